"""Stand-in LMS servers on loopback, for the push tests: each implements the documented
endpoints and answers of one LMS (its module names the pages it was built from) and
records every request it was sent, exactly as it arrived.

    http.py     the server: a thread, a port on 127.0.0.1, a log of Seen requests
    canvas.py   Canvas's REST API, as canvasapi drives it
    moodle.py   Moodle's REST web services and webservice/upload.php
"""
