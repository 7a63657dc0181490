#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""bench/keepalive.py PORT PATH TOKENFILE COUNT

For bench/callgrind.sh and bench/callgrind-apache.sh: sends COUNT GET
requests for PATH on one keep-alive connection to 127.0.0.1:PORT, each
with "Authorization: Bearer" and the next line of TOKENFILE (round and
round; a file of one token repeats it), reading each response whole.
"""
import socket, sys
port, path, tokfile, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
toks = [t.strip() for t in open(tokfile) if t.strip()][:n]
s = socket.create_connection(("127.0.0.1", port))
reqs = [("GET %s HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer %s\r\n\r\n"
         % (path, tok)).encode() for tok in toks]
buf = b""
for i in range(n):
    s.sendall(reqs[i % len(reqs)])
    while b"\r\n\r\n" not in buf:
        buf += s.recv(65536)
    head, buf = buf.split(b"\r\n\r\n", 1)
    cl = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            cl = int(v)
    while len(buf) < cl:
        buf += s.recv(65536)
    buf = buf[cl:]
