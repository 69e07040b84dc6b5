#!/usr/bin/env python3
"""Asks a NameServer for routes with raw RocketMQ frames and the standard library only.

Usage: raw_route.py PORT KNOWN_TOPIC UNKNOWN_TOPIC
Exits 0 when the known topic has a route with a master broker and the unknown one gets
TOPIC_NOT_EXIST (17); prints what it saw either way.
"""
import json
import re
import socket
import struct
import sys


def call(sock, code, ext, opaque):
    header = json.dumps({"code": code, "extFields": ext, "flag": 0, "language": "PYTHON",
                         "opaque": opaque, "version": 401}).encode()
    sock.sendall(struct.pack(">ii", 4 + len(header), len(header)) + header)
    length, = struct.unpack(">i", recv_exact(sock, 4))
    frame = recv_exact(sock, length)
    header_length = struct.unpack(">i", frame[:4])[0] & 0xFFFFFF
    response = json.loads(frame[4:4 + header_length])
    return response, frame[4 + header_length:]


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise SystemExit("connection closed early")
        data += chunk
    return data


def main():
    port, known, unknown = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        response, body = call(sock, 105, {"topic": known}, 1)
        assert response["code"] == 0 and response["opaque"] == 1, response
        # Version 401 asks for standard JSON: integer keys are quoted.
        route = json.loads(body)
        assert any("0" in broker["brokerAddrs"] for broker in route["brokerDatas"]), route
        assert route["queueDatas"][0]["writeQueueNums"] > 0, route
        print("route:", body.decode())

        response, body = call(sock, 105, {"topic": unknown}, 2)
        assert response["code"] == 17 and response["opaque"] == 2, response
        assert unknown in response.get("remark", ""), response
        assert body == b"", body
        print("unknown topic:", response["remark"])

        # Fastjson form for old clients: bare integer keys, which Python's json cannot read.
        sock_version = 317
        header = json.dumps({"code": 105, "extFields": {"topic": known}, "flag": 0,
                             "language": "GO", "opaque": 3, "version": sock_version}).encode()
        sock.sendall(struct.pack(">ii", 4 + len(header), len(header)) + header)
        length, = struct.unpack(">i", recv_exact(sock, 4))
        frame = recv_exact(sock, length)
        header_length = struct.unpack(">i", frame[:4])[0] & 0xFFFFFF
        body = frame[4 + header_length:].decode()
        assert re.search(r'"brokerAddrs":\{0:"', body), body
        print("old-client route:", body)


if __name__ == "__main__":
    main()
