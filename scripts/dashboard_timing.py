#!/usr/bin/env python3
"""Times the dashboard's pages on a seeded practice.

Starts `attune serve` (the binary given, by default target/release/attune) on a fresh
SQLite database, books COUPLES couples through the public booking API over the coming two
weeks, signs in as the owner, then fetches each dashboard page ROUNDS times and prints the
median and 95th-percentile server time (from the X-Response-Time-free wall clock of one
request on loopback, so it includes HTTP but no network).

    cargo build --release && python3 scripts/dashboard_timing.py [path/to/attune]

Standard library only; nothing is downloaded.
"""

import http.cookiejar
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

COUPLES = int(os.environ.get("COUPLES", "40"))
ROUNDS = int(os.environ.get("ROUNDS", "50"))
EMAIL = "owner@example.org"
PASSWORD = "correct horse battery staple 42"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/attune"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    work = tempfile.mkdtemp(prefix="attune-timing-")
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite://{work}/attune.db?mode=rwc",
        ATTUNE_BIND=f"127.0.0.1:{port}",
        ATTUNE_MAIL_TRANSPORT="log",
        ATTUNE_ADMIN_EMAIL=EMAIL,
        ATTUNE_ADMIN_PASSWORD=PASSWORD,
        ATTUNE_PUBLIC_RATE_LIMIT="100000/1m",
        RUST_LOG="warn",
    )
    server = subprocess.Popen(
        [binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        run(base)
    finally:
        server.terminate()
        server.wait()


def call(opener, url, data=None, headers=None):
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with opener.open(req) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def run(base):
    plain = urllib.request.build_opener()
    today = time.strftime("%Y-%m-%d")
    later = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 14 * 86400))
    _, body = call(plain, f"{base}/api/v1/public/slots?type=free-consultation&from={today}&to={later}")
    slots = json.loads(body)["slots"]
    booked = 0
    for n, slot in enumerate(slots[:: max(1, len(slots) // COUPLES)][:COUPLES]):
        payload = json.dumps({
            "type": "free-consultation", "start": slot["start"],
            "name": f"Partner{n} One", "email": f"one{n}@example.org",
            "partner_name": f"Partner{n} Two", "partner_email": f"two{n}@example.org",
            "tz": "UTC",
        }).encode()
        status, _ = call(plain, f"{base}/api/v1/public/bookings", payload,
                         {"content-type": "application/json"})
        booked += status == 201
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    status, login = call(browser, f"{base}/api/v1/auth/login",
                         json.dumps({"email": EMAIL, "password": PASSWORD}).encode(),
                         {"content-type": "application/json"})
    assert status == 200, login
    _, clients = call(browser, f"{base}/admin/clients", headers={"accept": "text/html"})
    client = re.search(r'href="/admin/clients/([0-9a-f-]{36})"', clients).group(1)
    _, agenda = call(browser, f"{base}/admin", headers={"accept": "text/html"})
    appointment = re.search(r'href="/admin/appointments/([0-9a-f-]{36})"', agenda).group(1)
    pages = [
        "/admin", "/admin?view=day", f"/admin/appointments/{appointment}", "/admin/clients",
        f"/admin/clients/{client}", f"/admin/clients/{client}/edit", f"/admin/clients/{client}/plan",
        "/admin/settings", "/admin/settings/hours", "/admin/settings/calendar",
        "/admin/settings/types", "/admin/settings/practitioners", "/admin/settings/outbox",
        "/admin/settings/emails/booking_confirmed", "/admin/settings/staff", "/admin/audit",
    ]
    print(f"{booked} couples booked; {ROUNDS} fetches per page")
    print(f"{'page':<48} {'median ms':>10} {'p95 ms':>8}")
    for page in pages:
        times = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            status, _ = call(browser, base + page, headers={"accept": "text/html"})
            times.append((time.perf_counter() - start) * 1000)
            assert status == 200, (page, status)
        times.sort()
        shown = re.sub(r"[0-9a-f-]{36}", "{id}", page)
        print(f"{shown:<48} {statistics.median(times):>10.2f} {times[int(len(times) * 0.95) - 1]:>8.2f}")


if __name__ == "__main__":
    main()
