#!/usr/bin/env python3
"""A Berth remote worker in Python, standard library only (docs/workers.md).

It leases jobs of an external backend, "drives a device" and settles each job. The device here
is a stand-in with a deterministic program: it calibrates for --calibrate-seconds, then reports
that real work began (a job lost after that is failed, not run again), then "measures" for
--work-seconds and answers a sampler result (a Qiskit PrimitiveResult, as docs/workers.md says)
in which every shot reads 0 on every bit. Replace run_on_device() with your instrument's driver.

    python3 examples/worker.py --url http://127.0.0.1:8000 --key $WORKER_KEY --backend lab_device
"""

import argparse
import base64
import json
import os
import re
import socket
import struct
import sys
import threading
import time
import urllib.error
import urllib.request
import zlib


class LeaseLost(Exception):
    """The server gave the job to another worker (or it ended): stop and report nothing."""


class Server:
    def __init__(self, url, key, worker):
        self.url = url.rstrip("/") + "/api/v1/workers"
        self.key = key
        self.worker = worker

    def post(self, path, body, timeout=60):
        req = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Authorization": "Bearer " + self.key, "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as res:
                text = res.read().decode()
                return res.status, (json.loads(text) if text else None)
        except urllib.error.HTTPError as e:
            text = e.read().decode()
            return e.code, (json.loads(text) if text else None)


def calibration(backend, qubits, now):
    """The stand-in device's calibration, in IBM's BackendProperties form: T1, T2, frequency and
    readout error per qubit, an error per 1-qubit gate and per cx of neighbours on a line. Made up
    (a real driver reads its instrument); Berth checks it and serves it as the backend's properties."""
    def nduv(name, value, unit):
        return {"name": name, "value": value, "unit": unit, "date": now}
    props = [[nduv("T1", 100.0 + 5 * q, "us"), nduv("T2", 80.0 + 3 * q, "us"),
              nduv("frequency", 5.0 + 0.05 * q, "GHz"), nduv("readout_error", 0.01 + 0.002 * q, "")]
             for q in range(qubits)]
    gates = [{"gate": g, "name": "%s%d" % (g, q), "qubits": [q],
              "parameters": [nduv("gate_error", 0.0003, ""), nduv("gate_length", 35.5, "ns")]}
             for q in range(qubits) for g in ("x", "sx")]
    gates += [{"gate": "cx", "name": "cx%d_%d" % (q, q + 1), "qubits": [q, q + 1],
               "parameters": [nduv("gate_error", 0.008, ""), nduv("gate_length", 300.0, "ns")]}
              for q in range(qubits - 1)]
    return {"backend_name": backend, "backend_version": "1.0.0", "last_update_date": now,
            "qubits": props, "gates": gates, "general": []}


def publish_calibration(server, args):
    """Tell Berth the device's calibration (at start; a real worker also after each recalibration)."""
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    status, answer = server.post("/backends/%s/calibration" % args.backend,
                                 {"properties": calibration(args.backend, args.qubits, now)})
    if status != 201:
        sys.exit("the server refused the calibration (%d): %s" % (status, answer))
    print("published calibration %s" % answer["calibration_id"], flush=True)


def registers_of(circuit):
    """The classical registers an OpenQASM 3 program declares (bit[n] c; or bit c;), in order."""
    found = [(m.group(2), int(m.group(1) or 1))
             for m in re.finditer(r"\bbit(?:\[(\d+)\])?\s+(\w+)\s*;", circuit)]
    return found or [("c", 1)]


def ndarray(shape, data):
    """A uint8 array as qiskit-ibm-runtime's RuntimeEncoder writes it: .npy bytes, zlib, base64."""
    dims = ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "")
    header = "{'descr': '|u1', 'fortran_order': False, 'shape': (%s), }" % dims
    pad = 64 - (10 + len(header) + 1) % 64
    header = (header + " " * (pad % 64) + "\n").encode("latin1")
    npy = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + bytes(data)
    return {"__type__": "ndarray", "__value__": base64.b64encode(zlib.compress(npy)).decode()}


def sampler_pub_result(registers, shots, outcome):
    """One pub's SamplerPubResult: a BitArray per register, every shot reading `outcome` (int)."""
    fields = {}
    for name, size in registers:
        width = (size + 7) // 8
        row = (outcome & ((1 << size) - 1)).to_bytes(width, "big")  # big-endian, as Qiskit
        fields[name] = {"__type__": "BitArray", "__value__": {
            "array": ndarray((shots, width), row * shots), "num_bits": size}}
    return {"__type__": "SamplerPubResult", "__value__": {
        "data": {"__type__": "DataBin", "__value__": {
            "field_names": [name for name, _ in registers], "shape": [], "fields": fields}},
        "metadata": {"shots": shots, "circuit_metadata": {}}}}


def run_on_device(job, started, args):
    """The stand-in device: calibrate, say real work began, measure, answer.

    A sampler job's result is the document Qiskit's SamplerV2 returns (a PrimitiveResult, as
    docs/workers.md says); this device reads 0 on every bit of every shot."""
    time.sleep(args.calibrate_seconds)
    started()
    time.sleep(args.work_seconds)
    pubs = []
    for pub in job["params"].get("pubs", []):
        circuit = pub[0] if isinstance(pub, list) else pub
        shots = pub[2] if isinstance(pub, list) and len(pub) > 2 and pub[2] else 1024
        pubs.append(sampler_pub_result(registers_of(str(circuit)), shots, 0))
    return {"__type__": "PrimitiveResult", "__value__": {
        "pub_results": pubs, "metadata": {"device": "demo", "worker": args.name}}}


def serve_one(server, job, args):
    who = {"worker": server.worker, "attempt": job["attempt"]}
    state = {"lost": False, "work_started": False, "cancel": False}
    done = threading.Event()

    def heartbeat():
        status, body = server.post("/jobs/%s/heartbeat" % job["id"], dict(who, work_started=state["work_started"]))
        if status == 409:
            state["lost"] = True
        elif status == 200 and body["cancel_requested"]:
            state["cancel"] = True

    def beat_loop():
        while not done.wait(job["heartbeat_seconds"]):
            try:
                heartbeat()
            except OSError:
                pass  # the server is away; the next beat tries again

    def started():
        state["work_started"] = True
        heartbeat()
        if state["lost"]:
            raise LeaseLost()

    threading.Thread(target=beat_loop, daemon=True).start()
    try:
        server.post("/jobs/%s/logs" % job["id"], dict(who, lines=["calibrating on " + socket.gethostname()]))
        result = run_on_device(job, started, args)
    except LeaseLost:
        result = None
    finally:
        done.set()
    heartbeat()  # a last check: lost, or cancelled meanwhile
    if state["lost"]:
        print("job %s: lease lost; dropped" % job["id"], flush=True)
        return
    if state["cancel"]:
        body = dict(who, status="cancelled")
    else:
        body = dict(who, status="completed", result=result, logs=["measured"])
    status, answer = server.post("/jobs/%s/result" % job["id"], body)
    print("job %s: %s" % (job["id"], answer.get("status") if status == 200 else "refused %d" % status), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--url", default=os.environ.get("BERTH_URL", "http://127.0.0.1:8000"))
    p.add_argument("--key", default=os.environ.get("BERTH_WORKER_KEY"), help="a worker key (BERTH_WORKER_KEY)")
    p.add_argument("--backend", required=True)
    p.add_argument("--name", default="%s-%d" % (socket.gethostname(), os.getpid()))
    p.add_argument("--jobs", type=int, default=0, help="exit after this many jobs (0: run until stopped)")
    p.add_argument("--calibrate-seconds", type=float, default=0.0)
    p.add_argument("--work-seconds", type=float, default=0.0)
    p.add_argument("--qubits", type=int, default=5, help="the device's qubits, for its calibration")
    args = p.parse_args()
    if not args.key:
        p.error("--key (or BERTH_WORKER_KEY) is required")
    server = Server(args.url, args.key, args.name)
    print("worker %s serving %s at %s" % (args.name, args.backend, args.url), flush=True)
    publish_calibration(server, args)
    served = 0
    while args.jobs == 0 or served < args.jobs:
        try:
            status, job = server.post("/lease", {"backend": args.backend, "worker": args.name, "wait_seconds": 20})
        except OSError as e:
            print("lease failed (%s); retrying" % e, flush=True)
            time.sleep(1)
            continue
        if status == 204:
            continue
        if status == 429 or status >= 500:
            time.sleep(1)  # too many requests, or the server is restarting: ask again
            continue
        if status != 200:
            sys.exit("the server refused the lease (%d): %s" % (status, job))
        serve_one(server, job, args)
        served += 1


if __name__ == "__main__":
    main()
