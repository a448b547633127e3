"""The worker runtime: the only grader code that runs where the student's code runs.

It needs nothing but the standard library (so the worker may run under another Python
than the judge, 3.10 to 3.15), and it decides nothing: it imports the student's module,
calls what the judge asks it to call, and passes values across as plain data. Whatever
it says about itself is advice for the feedback; the judge takes its evidence from its
own clock, its own test doubles and the kernel (autograder/grading/README.md).

    wire       frames and the value codec (shared with the judge: same module, both sides)
    link       a process's connection to the judge: requests, replies, a reader thread
    remote     proxies of the judge's test doubles (callables, iterables, the web)
    zygote     the worker's entry point: limits, import the student's module once, fork a
               fresh child per test
    session    a forked child: serve one test's calls, stacks, thread deaths
    confess    what the student's code replaced, and values the tests must not trust
    workloads  CPU work for process pools whose results can only be had by doing it
    web        requests' adapter, answered by the judge's fake web
"""
