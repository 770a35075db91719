"""count_bytes.py LISTEN TARGET OUT: relay one TCP connection and count its bytes.

Listens on 127.0.0.1:LISTEN, accepts one connection, connects to
127.0.0.1:TARGET and copies bytes both ways until both sides have closed;
then writes "up=N down=M" to OUT: N bytes from the client to the server,
M from the server to the client.  For the bytes on the wire of a command
that does not count them itself (scripts/bench-sync.sh), in a run of its
own: the relay is in no timed run.  Python standard library only.
"""

import socket
import sys
import threading


def pump(source, sink, counts, key):
    """Copy from source to sink until source ends; count the bytes."""
    try:
        while True:
            data = source.recv(1 << 16)
            if not data:
                break
            sink.sendall(data)
            counts[key] += len(data)
    except OSError as e:  # a side that resets ends the copy as a close does
        print("count_bytes: %s: %s" % (key, e), file=sys.stderr)
    try:
        sink.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def main():
    listen, target, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", listen))
    server.listen(1)
    client, _ = server.accept()
    server.close()
    upstream = socket.create_connection(("127.0.0.1", target))
    counts = {"up": 0, "down": 0}
    threads = [
        threading.Thread(target=pump, args=(client, upstream, counts, "up")),
        threading.Thread(target=pump, args=(upstream, client, counts, "down")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    client.close()
    upstream.close()
    with open(out, "w") as f:
        f.write("up=%d down=%d\n" % (counts["up"], counts["down"]))


if __name__ == "__main__":
    main()
