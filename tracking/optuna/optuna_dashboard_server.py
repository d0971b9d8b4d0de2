"""optuna-dashboard on serflow's Optuna storage, for `serflow dashboard` (optuna-dashboard.ts beside it).

    python optuna_dashboard_server.py --host 127.0.0.1 --port 0      (storage URL in SERFLOW_DASHBOARD_STORAGE)

Serves optuna-dashboard's WSGI app (its public `wsgi()`, the app its own CLI serves) with the
standard library's threaded WSGI server. The socket is bound before anything is announced, so
the port it writes is one this process holds: port 0 lets the system pick a free one, and no
other process can take it between a probe and the start. Once bound it writes one JSON line to
stdout, {"port": N}, and serves until it gets SIGTERM or its stdin closes (the serflow process
that started it ended, even by SIGKILL: no dashboard outlives its command). It ignores SIGINT:
Ctrl-C on the terminal reaches the whole process group, and the command that started it is the
one to stop it (so that it can tell a Ctrl-C from a dashboard that died).

The storage is opened the way the sweeps open it (optuna_study.py's storage_of). Its URL comes in
the environment, not on the command line, where anyone's `ps` would show a password in it.

Exit codes: 0 stopped; 3 optuna-dashboard is not installed in this Python; 4 the port is taken;
anything else a failure, its reason on stderr.
"""
import argparse
import errno
import json
import os
import signal
import sys
import threading

NOT_INSTALLED = 3
PORT_TAKEN = 4


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    storage_url = os.environ.get("SERFLOW_DASHBOARD_STORAGE")
    if not storage_url:
        print("optuna_dashboard_server.py: SERFLOW_DASHBOARD_STORAGE (the storage URL) is not set", file=sys.stderr)
        return 2
    try:
        import optuna_dashboard
    except ImportError as err:
        print(f"optuna-dashboard is not installed in {sys.prefix} ({err})", file=sys.stderr)
        return NOT_INSTALLED

    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    class QuietHandler(WSGIRequestHandler):
        # One line per request on stderr would bury the reason of a failure.
        def log_message(self, format, *args):
            pass

    try:
        server = Server((args.host, args.port), QuietHandler)
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            print(f"port {args.port} on {args.host} is taken ({err})", file=sys.stderr)
            return PORT_TAKEN
        raise

    import optuna

    from optuna_study import storage_of

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    server.set_app(optuna_dashboard.wsgi(storage_of(optuna, storage_url)))

    # The parent's end of the pipe closes when it exits, however it exits.
    def watch_stdin() -> None:
        for _ in sys.stdin.buffer:
            pass
        os._exit(0)

    threading.Thread(target=watch_stdin, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    sys.stdout.write(json.dumps({"port": server.server_address[1]}) + "\n")
    sys.stdout.flush()
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
