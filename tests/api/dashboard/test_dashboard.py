#!/usr/bin/env python3
"""The dashboard in a real browser: headless Chromium (Debian's chromium and
chromium-driver through python3-selenium) on rtmp-ingest's -api-addr, with real
ffmpeg publishers and players.

- the page loads from GET / and its event stream connects, with no console error;
- an ffmpeg publish appears as a row within 2 s of ffmpeg starting
  (RTMP_DASH_APPEAR_SECS overrides the limit on a very slow machine), with its
  codec and resolution (H264 320x240);
- its players cell follows 0 -> 2 -> 0 as two ffmpeg players join and leave;
- the kick button removes the row, ffmpeg's publish ends and publish_stop fires;
- a burst of 2,000 events is drawn in a few redraws, not one per event;
- GET / and the rendered page hold no external URL (no http://, https:// or //cdn), and
  GET / comes with a Content-Security-Policy of default-src 'none' and connect-src 'self';
- a server that stops (SIGSTOP) holds the event stream open and silent: after three
  -api-sse-keepalive periods the pill reads "reconnecting (stalled)", and once the
  server runs again (SIGCONT) the page is live again;
- without -api-token, a page of another origin that POSTs a kick (no-cors, which needs
  no preflight) is refused: the stream stays; so is the dashboard's own kick when the
  page is opened by a host name, and the page shows the server's reason;
- with -api-token the page asks for the token, then shows the stream and kicks it.

Run with Debian's /usr/bin/python3 (the one python3-selenium installs into); exit 77
when selenium, chromium or chromedriver are absent, or the ingest has no -api-addr.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "integration"))

import harness as h  # noqa: E402

KEY = "live/dash"
NAMED_HOST = "mediabox.test"  # the API's machine by a host name, as on a LAN
APPEAR_SECS = float(os.environ.get("RTMP_DASH_APPEAR_SECS", "2"))
EXTERNAL = re.compile(r"https?://|//cdn", re.I)


def browser_or_skip(ctx):
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        h.skip(f"no selenium for {sys.executable} (apt-get install python3-selenium)")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    driver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not (os.access(chromium, os.X_OK) and os.access(driver, os.X_OK)):
        h.skip("chromium or chromedriver missing (apt-get install chromium chromium-driver)")
    opts = Options()
    opts.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--no-first-run", f"--user-data-dir={ctx.path('chromium')}",
                f"--host-resolver-rules=MAP {NAMED_HOST} 127.0.0.1"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(driver, log_output=ctx.path("chromedriver.log")),
                            options=opts)


def ingest_flags():
    _, out, err = h._run([h.ingest_binary(), "-help"], timeout=30)
    return out + err


def js(driver, script, *args):
    return driver.execute_script(script, *args)


def row_cell(driver, key, cls):
    """Text of a stream row's cell, or None while the row is absent."""
    return js(driver, """
        var tr = document.querySelector('#stream-rows tr[data-key="' + arguments[0] + '"]');
        if (!tr) return null;
        var td = tr.getElementsByClassName(arguments[1])[0];
        return td ? td.textContent : null;""", key, cls)


def console_errors(driver, ignore=None):
    errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    if ignore:
        errors = [e for e in errors if not ignore.search(e.get("message", ""))]
    return errors


def check_no_external_url(driver, api):
    with urllib.request.urlopen(api + "/", timeout=10) as r:
        raw = r.read().decode()
        ctype = r.headers.get("Content-Type", "")
        csp = r.headers.get("Content-Security-Policy", "")
    h.check(ctype.startswith("text/html"), f"GET / Content-Type {ctype!r}")
    h.check(csp.startswith("default-src 'none'") and "connect-src 'self'" in csp,
            f"GET / Content-Security-Policy {csp!r}, want default-src 'none' ... connect-src 'self'")
    for what, text in (("GET /", raw), ("the rendered page", driver.page_source)):
        m = EXTERNAL.search(text)
        h.check(not m, f"{what} holds an external URL near "
                       f"{text[max(0, m.start() - 60):m.end() + 60]!r}" if m else "")
    h.log(f"GET / ({len(raw)} bytes, {ctype}) and the rendered page hold no external URL")


def watch_players(driver, want, timeout, seen):
    """Poll the players cell until it reads `want`; record every distinct value."""
    def reached():
        value = row_cell(driver, KEY, "players")
        h.check(value is not None, f"the {KEY} row vanished while waiting for {want} players")
        if not seen or seen[-1] != value:
            seen.append(value)
        return value == want
    h.wait_for(reached, timeout, f"{KEY} players cell to read {want} (seen {seen})", 0.05)


def open_page(driver, api):
    driver.get(api + "/")
    h.wait_for(lambda: js(driver, "return document.getElementById('link').textContent") == "live",
               30, "the page's event stream to connect")


def publish_and_appear(ctx, driver, server, name):
    t0 = time.monotonic()
    pub = h.Publisher(ctx, server.url("dash"), name=name, duration=None, gop=30,
                      size="320x240", fps=30, vbitrate="300k")
    h.wait_for(lambda: row_cell(driver, KEY, "key") == KEY, 30, f"a {KEY} row", 0.02)
    appeared = time.monotonic() - t0
    h.log(f"{name}: the {KEY} row appeared {appeared:.2f} s after ffmpeg started")
    return pub, appeared


def kick_and_vanish(driver, server, pub, what):
    button = driver.find_element("css selector", f'#stream-rows tr[data-key="{KEY}"] button.kick')
    t0 = time.monotonic()
    button.click()
    h.wait_for(lambda: row_cell(driver, KEY, "key") is None, 30, f"{what}: the row to go", 0.05)
    h.log(f"{what}: kick removed the row in {time.monotonic() - t0:.2f} s")
    code = pub.proc.wait_exit(30)
    h.log(f"{what}: the kicked ffmpeg publisher exited {code}")
    stops = [e for e in server.events() if e["type"] == "publish_stop" and e["stream_key"] == KEY]
    h.wait_for(lambda: [e for e in server.events()
                        if e["type"] == "publish_stop" and e["stream_key"] == KEY][len(stops) - 1:],
               30, f"{what}: publish_stop")


def main(ctx):
    if h.server_kind() != "ingest":
        h.skip("the dashboard is rtmp-ingest's own")
    flags = ingest_flags()
    if "-api-addr" not in flags:
        h.skip("this rtmp-ingest has no -api-addr (HTTP API not built)")
    driver = browser_or_skip(ctx)
    try:
        run_open(ctx, driver, flags)
        if "-api-token" in flags:
            run_token(ctx, driver)
    finally:
        driver.quit()


def burst(driver, server, connections=1000):
    """A burst of events (short TCP connections, 2 events each) is drawn in a
    few redraws of the event table, not one per event, which froze the tab
    for seconds."""
    js(driver, """
        window.__clears = 0;
        var body = document.getElementById('event-rows');
        new MutationObserver(function (records) {
          records.forEach(function (r) { if (r.removedNodes.length) window.__clears++; });
        }).observe(body, {childList: true});""")
    for _ in range(connections):
        socket.create_connection(("127.0.0.1", server.port), timeout=10).close()
    def last_close():
        closes = [e for e in server.events() if e["type"] == "connection_close"]
        return closes[-1]["conn_id"] if len(closes) >= connections else None
    conn = h.wait_for(last_close, 60, f"{connections} connection_close events")
    h.wait_for(lambda: js(driver, """
        var td = document.querySelector('#event-rows tr td.conn');
        return td ? td.textContent : null;""") == conn, 60, "the burst's last event on the page")
    clears = js(driver, "return window.__clears;")
    h.log(f"{2 * connections} events drawn in {clears} redraws of the event table")
    h.check(clears <= connections // 5,
            f"{clears} redraws of the event table for {2 * connections} events")


def run_open(ctx, driver, flags):
    api_port, metrics_port = h.free_port(), h.free_port()
    args = ["-api-addr", f"127.0.0.1:{api_port}", "-metrics-addr", f"127.0.0.1:{metrics_port}"]
    if "-stats-interval" in flags:
        args += ["-stats-interval", "1s"]
    if "-api-sse-keepalive" in flags:
        args += ["-api-sse-keepalive", "1s"]
    server = h.Ingest(ctx, args=args)
    api = f"http://127.0.0.1:{api_port}"
    h.wait_port(api_port, 20)
    open_page(driver, api)

    pub, appeared = publish_and_appear(ctx, driver, server, "pub")
    h.check(appeared <= APPEAR_SECS,
            f"the stream appeared {appeared:.2f} s after ffmpeg started, want <= {APPEAR_SECS} s")
    h.wait_for(lambda: (row_cell(driver, KEY, "video") or "").startswith("H264 320\u00d7240"),
               30, "the row's video cell to read H264 320x240")
    h.wait_for(lambda: (row_cell(driver, KEY, "audio") or "").startswith("AAC"), 30,
               "the row's audio cell to read AAC")
    h.log(f"row: video {row_cell(driver, KEY, 'video')!r}, audio {row_cell(driver, KEY, 'audio')!r}")

    seen = []
    watch_players(driver, "0", 10, seen)
    players = [h.ffmpeg_player(ctx, server.url("dash"), f"play{i}.flv", name=f"play{i}")
               for i in range(2)]
    watch_players(driver, "2", 60, seen)
    for p in players:
        h.check(p.running(), f"{p.name} exited early; see {p.stderr_path}")
        p.stop()
    watch_players(driver, "0", 30, seen)
    h.check(seen in (["0", "2", "0"], ["0", "1", "2", "0"], ["0", "2", "1", "0"],
                     ["0", "1", "2", "1", "0"]),
            f"players cell went {seen}, want 0 -> 2 -> 0 (through 1 at most)")
    h.log(f"players cell: {' -> '.join(seen)}")

    if "-stats-interval" in flags:
        h.wait_for(lambda: re.search(r"\d+ kbps", row_cell(driver, KEY, "bitrate") or ""), 30,
                   "a bitrate in kbps")
        h.log(f"bitrate cell: {row_cell(driver, KEY, 'bitrate')!r}")

    cross_origin_kick(ctx, driver, api, pub, metrics_port)
    named_host_kick(driver, api_port, pub)
    open_page(driver, api)
    h.wait_for(lambda: row_cell(driver, KEY, "key") == KEY, 30, f"the {KEY} row again")
    kick_and_vanish(driver, server, pub, "open API")
    burst(driver, server)
    if "-api-sse-keepalive" in flags:
        stall_and_recover(driver, server)
    check_no_external_url(driver, api)
    errors = console_errors(driver)
    h.check(not errors, f"console errors: {errors}")
    h.log("no console errors")
    # Leave the page before its server goes: an open page's event stream
    # would retry the stopped server and log connection errors that belong
    # to this part, not to the next one.
    driver.get("about:blank")
    server.stop()
    driver.get_log("browser")


def refused_kicks(metrics_port):
    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10) as r:
        text = r.read().decode()
    m = re.search(r'rtmp_ingest_api_requests_total\{route="/api/v1/streams/\{app\}/\{name\}/kick",'
                  r'status="403"\} (\d+)', text)
    return int(m.group(1)) if m else 0


def cross_origin_kick(ctx, driver, api, pub, metrics_port):
    """Another site's page (here localhost:<other port> against 127.0.0.1:<api>)
    POSTs a kick the way a form or no-cors fetch can, without a preflight."""
    import http.server
    import threading
    kick_url = api + "/api/v1/streams/live/dash/kick"
    page = ("<html><body><script>fetch(%r,{method:'POST',mode:'no-cors'})"
            ".then(function(){document.title='sent'},function(){document.title='failed'});"
            "</script></body></html>" % kick_url).encode()

    class Evil(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *a):
            pass
    srv = http.server.HTTPServer(("127.0.0.1", 0), Evil)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        driver.get(f"http://localhost:{srv.server_port}/")
        h.wait_for(lambda: driver.title in ("sent", "failed"), 30, "the other page's POST")
        # The browser did send it, and the API refused it.
        h.wait_for(lambda: refused_kicks(metrics_port) >= 1, 30, "the API's 403 to the kick")
        with urllib.request.urlopen(api + "/api/v1/streams/live/dash", timeout=10) as r:
            h.check(r.status == 200, f"GET the stream after the cross-origin kick: {r.status}")
        h.check(pub.proc.running(), "a page of another origin kicked the publisher")
        h.log(f"a cross-origin page's kick ({driver.title}) was refused; the stream is live")
    finally:
        srv.shutdown()
        srv.server_close()
    driver.get_log("browser")  # its refused request's console line belongs here


def named_host_kick(driver, api_port, pub):
    """The page opened by a host name, without -api-token: its kick is refused
    (a name may be rebound to this machine by another site's DNS), and the
    page shows the server's reason, not only "HTTP 403"."""
    open_page(driver, f"http://{NAMED_HOST}:{api_port}")
    h.wait_for(lambda: row_cell(driver, KEY, "key") == KEY, 30, f"the {KEY} row by host name")
    driver.find_element("css selector", f'#stream-rows tr[data-key="{KEY}"] button.kick').click()
    shown = lambda: js(driver, "return document.getElementById('error').textContent") or ""
    h.wait_for(lambda: "-api-token" in shown(), 30, "the page to show why the kick was refused")
    h.check(pub.proc.running(), "a kick from a page opened by host name went through")
    h.log(f"opened as {NAMED_HOST}: the kick was refused, the page says {shown()!r}")
    driver.get("about:blank")
    driver.get_log("browser")  # the refused request's console line belongs here


def stall_and_recover(driver, server):
    """A stopped server keeps its connections open and sends nothing; the page
    must not go on saying it is live."""
    def link():
        return js(driver, "return document.getElementById('link').textContent")
    t0 = time.monotonic()
    server.proc.send_signal(signal.SIGSTOP)
    try:
        h.wait_for(lambda: link() == "reconnecting (stalled)", 30,
                   "the pill to read 'reconnecting (stalled)' with the server stopped")
        h.log(f"stopped server: the pill read {link()!r} after {time.monotonic() - t0:.1f} s")
    finally:
        server.proc.send_signal(signal.SIGCONT)
    t0 = time.monotonic()
    h.wait_for(lambda: link() == "live", 30, "the pill to read 'live' once the server runs")
    h.log(f"server running again: live after {time.monotonic() - t0:.1f} s")


def run_token(ctx, driver):
    token = "dash-t0ken"
    api_port = h.free_port()
    server = h.Ingest(ctx, args=["-api-addr", f"127.0.0.1:{api_port}", "-api-token", token],
                      name="ingest_token")
    api = f"http://127.0.0.1:{api_port}"
    h.wait_port(api_port, 20)
    # A new port is a new origin: the page starts with no token stored.
    driver.get(api + "/")
    h.wait_for(lambda: driver.find_element("id", "token-form").is_displayed(), 30,
               "the page to ask for the token")
    driver.find_element("id", "token-input").send_keys(token)
    driver.find_element("id", "token-save").click()
    h.wait_for(lambda: js(driver, "return document.getElementById('link').textContent") == "live",
               30, "the event stream to connect with the token")
    pub, appeared = publish_and_appear(ctx, driver, server, "pub_token")
    kick_and_vanish(driver, server, pub, "with -api-token")
    # The 401s before the token was typed are the only errors allowed.
    errors = console_errors(driver, ignore=re.compile(r"status of 401"))
    h.check(not errors, f"console errors with -api-token: {errors}")
    h.log("with -api-token: asked for the token, showed and kicked the stream")
    server.stop()


if __name__ == "__main__":
    h.run(main)
