"""`make class`: one Streamlit replica per core behind an HAProxy load balancer, one address for the class.

A Python process trains on about one core, so a class server runs one replica of the app per
core (or per core of several machines) and HAProxy, the Debian load balancer, spreads students
over them. Every student must stay with the replica that holds their session: their trainer,
the images it serves and the files they upload live in that process's memory. Students in a
classroom share one public address, so the balancer cannot tell them apart by IP; it gives each
browser a cookie naming its replica on the first request, and follows it from then on (page,
websocket, media files, uploads). Every replica gets the same `server.cookieSecret`, so the
XSRF token one replica signs is valid on all.

- `replicas.py`: start, probe and stop one `streamlit run app.py` process;
- `balancer.py`: HAProxy's configuration and process;
- `classroom.py`: replicas and balancer together, for `make class`, the tests and the bench;
- `__main__.py`: the command line (`python -m deploy --help`).
"""
