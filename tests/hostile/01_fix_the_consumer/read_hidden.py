"""Hostile: looks for the hidden tests and the reference on disk (where the kit keeps them,
beside the submission, anywhere under / within reach) and puts what it finds in its error
message, which the feedback shows.
Scores: 0
Says: FOUND NOTHING
Needs: filesystem
"""
import os


def process_all(items, handle, num_workers=3, queue_size=5):
    found = []
    for top in ("/", os.getcwd(), "..", "/work", "/root", "/tmp", "/autograder"):
        for dirpath, dirnames, filenames in os.walk(top):
            if dirpath.count(os.sep) > 8 or dirpath.startswith(("/proc", "/sys", "/usr", "/dev")):
                dirnames[:] = []
                continue
            for name in filenames:
                path = os.path.join(dirpath, name)
                if name == "test_hidden.py" or (name == "consumer.py" and "reference" in path):
                    try:
                        with open(path) as f:
                            found.append(path + ":\n" + f.read())
                    except OSError:
                        pass
    raise RuntimeError("FOUND " + ("\n".join(found) if found else "NOTHING"))
