"""Hostile: the reference, which opens hundreds of connections to the grader's socket
with its test's own token (read from the runtime), to exhaust the judge's threads. Past
a few hundred connections the grader refuses the rest and flags the grading.
Scores: 0
Says: connections to the grader
Flagged: yes
Base: reference
"""
_real = process_all


def process_all(items, handle, num_workers=3, queue_size=5):
    import socket
    held = []
    try:
        from ckworker import link, wire
        path, token = link.ADDRESS["path"], link.ADDRESS["token"]
        for _ in range(400):
            s = socket.socket(socket.AF_UNIX)
            s.connect(path)
            s.sendall(wire.pack({"op": "hello", "token": token, "role": "extra"}))
            held.append(s)
    except Exception:
        pass
    return _real(items, handle, num_workers, queue_size)
