"""End-to-end test harness: real servers (rtmp-ingest or nginx-rtmp), real clients
(ffmpeg, rtmpdump, GStreamer), checked with ffprobe.

Every test is a plain script run by ctest. It calls ``harness.run(main)``: main gets a
``Ctx`` (per-test temp dir, process tracking); a failed assertion or exception prints
the reason and the temp dir (kept for inspection), exits 1; ``skip()`` exits 77.

Environment:
  RTMP_INGEST_BIN      path of the rtmp-ingest binary (set by CMake)
  RTMP_HOOKS_BIN       directory holding rtmp-ingest (alternative to the above)
  RTMP_TEST_SERVER     "ingest" (default) or "nginx" (Debian's libnginx-mod-rtmp)
  RTMP_TEST_KEEP=1     keep the temp dir even when the test passes
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ports import free_port  # noqa: E402,F401  (this folder's ports.py; h.free_port)

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
NGINX_RTMP_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"


class TestFailure(AssertionError):
    pass


class Skip(Exception):
    pass


def fail(msg):
    raise TestFailure(msg)


def check(cond, msg):
    if not cond:
        fail(msg)


def skip(msg):
    raise Skip(msg)


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --------------------------------------------------------------------------- waiting

def wait_for(predicate, timeout, what, interval=0.05):
    """Poll predicate() until it returns something truthy; return that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def port_open(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_port(port, timeout=20, host="127.0.0.1"):
    wait_for(lambda: port_open(port, host), timeout, f"{host}:{port} to accept")


def read_text(path):
    try:
        with open(path, "r", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def file_size(path):
    try:
        return os.path.getsize(path)
    except FileNotFoundError:
        return 0


# --------------------------------------------------------------------------- processes

class Proc:
    """A child process with stdout/stderr captured to files in the test dir."""

    def __init__(self, ctx, name, argv, stdin=False, env=None):
        self.name = name
        self.argv = [str(a) for a in argv]
        self.stdout_path = os.path.join(ctx.dir, f"{name}.stdout")
        self.stderr_path = os.path.join(ctx.dir, f"{name}.stderr")
        self._out = open(self.stdout_path, "wb")
        self._err = open(self.stderr_path, "wb")
        with open(os.path.join(ctx.dir, f"{name}.cmd"), "w") as f:
            f.write(" ".join(self.argv) + "\n")
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        self.p = subprocess.Popen(
            self.argv, stdout=self._out, stderr=self._err,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            env=full_env, cwd=ctx.dir, start_new_session=True)
        self.pid = self.p.pid
        ctx.procs.append(self)
        log(f"started {name} (pid {self.pid}): {' '.join(self.argv)}")

    def poll(self):
        return self.p.poll()

    def running(self):
        return self.p.poll() is None

    def stdout(self):
        return read_text(self.stdout_path)

    def stderr(self):
        return read_text(self.stderr_path)

    def output(self):
        return self.stdout() + self.stderr()

    def wait_line(self, regex, timeout, stream="both"):
        """Wait until a line of stdout/stderr (or both) matches regex; return the match."""
        rx = re.compile(regex)

        def found():
            text = {"stdout": self.stdout, "stderr": self.stderr}.get(stream, self.output)()
            m = rx.search(text)
            if m:
                return m
            if not self.running():
                # one last look after exit, then give up
                m = rx.search({"stdout": self.stdout, "stderr": self.stderr}
                              .get(stream, self.output)())
                if m:
                    return m
                fail(f"{self.name} exited ({self.p.returncode}) before printing /{regex}/; "
                     f"see {self.stdout_path}")
            return None
        return wait_for(found, timeout, f"{self.name} to print /{regex}/")

    def wait_exit(self, timeout):
        try:
            return self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            fail(f"{self.name} (pid {self.pid}) did not exit within {timeout}s")

    def send_signal(self, sig):
        if self.running():
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def send_stdin(self, data):
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def stop(self, sig=signal.SIGTERM, timeout=15):
        """Signal and wait; SIGKILL if it does not go. Returns the exit code."""
        self.send_signal(sig)
        try:
            return self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            log(f"{self.name} ignored signal {sig}; killing")
            self.send_signal(signal.SIGKILL)
            self.p.wait(timeout=10)
            return None

    def cleanup(self):
        if self.running():
            self.send_signal(signal.SIGKILL)
            try:
                self.p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        for f in (self._out, self._err):
            f.close()
        if self.p.stdin:
            try:
                self.p.stdin.close()
            except OSError:
                pass


class Ctx:
    def __init__(self, name):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix=f"rtmp-it-{name}-")
        self.procs = []

    def path(self, name):
        return os.path.join(self.dir, name)

    def proc(self, name, argv, **kw):
        return Proc(self, name, argv, **kw)

    def cleanup(self):
        for p in reversed(self.procs):
            p.cleanup()


def run(main):
    """Run main(ctx) as a test; exit 0 pass, 1 fail, 77 skip."""
    name = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    ctx = Ctx(name)
    log(f"{name}: server={server_kind()} dir={ctx.dir}")
    code = 0
    try:
        main(ctx)
        log(f"PASS {name}")
    except Skip as e:
        log(f"SKIP {name}: {e}")
        code = SKIP
    except TestFailure as e:
        log(f"FAIL {name}: {e}")
        code = 1
    except Exception:
        traceback.print_exc()
        log(f"FAIL {name}: unexpected exception")
        code = 1
    finally:
        if code == 1:
            for p in ctx.procs:
                rc = p.poll()
                state = "running" if rc is None else f"exited {rc}" + (
                    f" (signal {signal.Signals(-rc).name})" if rc < 0 else "")
                log(f"  {p.name} (pid {p.pid}): {state}")
        ctx.cleanup()
    if code == 1 or os.environ.get("RTMP_TEST_KEEP"):
        log(f"kept test dir: {ctx.dir}")
    else:
        shutil.rmtree(ctx.dir, ignore_errors=True)
    sys.exit(code)


# --------------------------------------------------------------------------- servers

def server_kind():
    return os.environ.get("RTMP_TEST_SERVER", "ingest")


def ingest_binary():
    path = os.environ.get("RTMP_INGEST_BIN")
    if not path:
        bindir = os.environ.get("RTMP_HOOKS_BIN", os.path.join(REPO, "build", "bin"))
        path = os.path.join(bindir, "rtmp-ingest")
    return path


class Ingest:
    """rtmp-ingest under test. stdout = logs, stderr = stdio-hook JSON events."""

    kind = "ingest"

    def __init__(self, ctx, args=(), stdio_events=True, name="ingest", port=None):
        self.ctx = ctx
        self.port = port or free_port()
        binary = ingest_binary()
        if not os.access(binary, os.X_OK):
            fail(f"rtmp-ingest not found at {binary} (set RTMP_INGEST_BIN or RTMP_HOOKS_BIN)")
        argv = [binary, "-listen", f"127.0.0.1:{self.port}", "-log-level", "debug"]
        if stdio_events:
            argv += ["-hook-stdio-format", "json"]
        argv += list(args)
        self.proc = ctx.proc(name, argv)
        # The contract: a log line containing "listening" once the port is bound.
        # Accepting on the port counts too (a probe shows up as a bare
        # connection_accept/connection_close(role none) pair in the events).
        wait_for(lambda: self._ready(), 30, f"rtmp-ingest to listen on {self.port}", 0.1)
        log(f"rtmp-ingest listening on {self.port}")

    def _ready(self):
        if not self.proc.running():
            fail(f"rtmp-ingest exited early ({self.proc.poll()}); see {self.proc.stdout_path}")
        if re.search(r"(?i)listening", self.proc.stdout()):
            return True
        return False

    def url(self, key="test"):
        return f"rtmp://127.0.0.1:{self.port}/live/{key}"

    def log_text(self):
        return self.proc.stdout()

    def events(self):
        return read_events(self.proc.stderr_path)

    def stop(self, expect_code=0, timeout=20):
        early = self.proc.poll()
        if early is not None:
            fail(f"rtmp-ingest had already exited (status {early}) before SIGTERM; "
                 f"see {self.proc.stdout_path}")
        code = self.proc.stop(signal.SIGTERM, timeout)
        if expect_code is not None:
            check(code == expect_code,
                  f"rtmp-ingest exit status {code} after SIGTERM, expected {expect_code}; "
                  f"see {self.proc.stdout_path}")
        return code


class NginxRtmp:
    """nginx with Debian's ngx_rtmp_module on a free loopback port, own prefix."""

    kind = "nginx"

    def __init__(self, ctx, name="nginx", port=None, wait_key=False, extra_app="",
                 worker_processes=None):
        if not os.path.exists(NGINX_RTMP_MODULE):
            skip(f"nginx rtmp module not installed ({NGINX_RTMP_MODULE})")
        self.ctx = ctx
        self.port = port or free_port()
        self.prefix = ctx.path(name)
        os.makedirs(os.path.join(self.prefix, "logs"), exist_ok=True)
        self.error_log = os.path.join(self.prefix, "logs", "error.log")
        master = "off" if worker_processes is None else "on"
        conf = f"""
load_module {NGINX_RTMP_MODULE};
daemon off;
master_process {master};
{f'worker_processes {worker_processes};' if worker_processes else ''}
error_log {self.error_log} info;
pid {self.prefix}/nginx.pid;
events {{ worker_connections 65536; }}
rtmp {{
    server {{
        listen 127.0.0.1:{self.port};
        chunk_size 4096;
        application live {{
            live on;
            {'wait_key on;' if wait_key else ''}
            {extra_app}
        }}
    }}
}}
"""
        self.conf_path = os.path.join(self.prefix, "nginx.conf")
        with open(self.conf_path, "w") as f:
            f.write(conf)
        self.proc = ctx.proc(name, ["nginx", "-p", self.prefix, "-c", self.conf_path,
                                    "-e", self.error_log])
        def up():
            if not self.proc.running():
                fail(f"nginx exited early ({self.proc.poll()}): {read_text(self.error_log)}"
                     f"{self.proc.output()}")
            return port_open(self.port)
        wait_for(up, 30, f"nginx-rtmp to listen on {self.port}", 0.1)
        log(f"nginx-rtmp listening on {self.port}")

    def url(self, key="test"):
        return f"rtmp://127.0.0.1:{self.port}/live/{key}"

    def log_text(self):
        return read_text(self.error_log)

    def events(self):
        return []

    def stop(self, expect_code=0, timeout=20):
        code = self.proc.stop(signal.SIGQUIT, timeout)
        if expect_code is not None:
            check(code == expect_code, f"nginx exit status {code}")
        return code


def start_server(ctx, **kw):
    """The server under test, chosen by RTMP_TEST_SERVER."""
    kind = server_kind()
    if kind == "nginx":
        return NginxRtmp(ctx, **{k: v for k, v in kw.items() if k in ("wait_key", "port")})
    if kind == "ingest":
        return Ingest(ctx, **{k: v for k, v in kw.items() if k in ("args", "stdio_events", "port")})
    fail(f"unknown RTMP_TEST_SERVER={kind}")


# --------------------------------------------------------------------------- events

def read_events(path):
    """JSON event lines from a stdio-hook stream; a non-JSON line is a failure."""
    events = []
    for n, line in enumerate(read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            ev = json.loads(line)
        except json.JSONDecodeError:
            fail(f"{path}:{n}: not a JSON line: {line[:200]!r}")
        check(isinstance(ev, dict), f"{path}:{n}: not a JSON object")
        events.append(ev)
    return events


# --------------------------------------------------------------------------- clients

class Publisher:
    """ffmpeg publishing testsrc2 1280x720 30 fps H.264 + sine AAC, in real time (-re).

    -progress writes frame=N to a file, so the test knows how many frames were sent;
    -v verbose makes ffmpeg print per-stream 'N packets muxed' when it ends cleanly.
    """

    def __init__(self, ctx, url, name="publisher", duration=10, gop=60, size="1280x720",
                 fps=30, vbitrate="1500k"):
        self.name = name
        self.progress_path = ctx.path(f"{name}.progress")
        argv = ["ffmpeg", "-hide_banner", "-v", "verbose", "-y",
                "-re", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={fps}",
                "-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
        if duration:
            argv += ["-t", str(duration)]
        argv += ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
                 "-pix_fmt", "yuv420p", "-g", str(gop), "-keyint_min", str(gop),
                 "-b:v", vbitrate, "-maxrate", vbitrate, "-bufsize", vbitrate,
                 "-c:a", "aac", "-b:a", "128k", "-ar", "48000", "-ac", "2",
                 "-progress", self.progress_path, "-f", "flv", url]
        self.proc = ctx.proc(name, argv, stdin=True)

    def frames(self):
        """Video frames sent so far, from the -progress file."""
        vals = re.findall(r"^frame=(\d+)", read_text(self.progress_path), re.M)
        return int(vals[-1]) if vals else 0

    def ended(self):
        return "progress=end" in read_text(self.progress_path)

    def wait_frames(self, n, timeout):
        def enough():
            if not self.proc.running() and self.frames() < n:
                fail(f"{self.name} exited ({self.proc.poll()}) after {self.frames()} frames; "
                     f"see {self.proc.stderr_path}")
            return self.frames() >= n
        wait_for(enough, timeout, f"{self.name} to send {n} frames", 0.1)

    def packets_muxed(self):
        """{'video': n, 'audio': n} from ffmpeg's verbose end-of-run summary."""
        out = {}
        for kind, n in re.findall(r"Output stream #0:\d+ \((video|audio)\):.*?(\d+) packets muxed",
                                  self.proc.stderr()):
            out[kind] = int(n)
        return out

    def quit(self, timeout=30):
        """Clean stop: 'q' on stdin (ffmpeg sends FCUnpublish/deleteStream)."""
        try:
            self.proc.send_stdin(b"q")
        except (BrokenPipeError, OSError):
            pass
        return self.proc.wait_exit(timeout)

    def wait(self, timeout):
        return self.proc.wait_exit(timeout)


def ffmpeg_player(ctx, url, out_name, name="ffplayer", duration=None, copyinkf=True):
    """ffmpeg recording the stream with -c copy into an FLV file.

    -copyinkf keeps packets before the first keyframe: without it ffmpeg's stream copy
    silently drops them, which would hide a late joiner that does not start on a keyframe.
    """
    # -v debug: the rtmp protocol then logs "Sending play command", which tells the
    # test the player is waiting on the server.
    argv = ["ffmpeg", "-hide_banner", "-nostdin", "-v", "debug", "-y",
            "-rw_timeout", "30000000", "-i", url, "-c", "copy", "-map", "0"]
    if copyinkf:
        argv += ["-copyinkf"]
    if duration:
        argv += ["-t", str(duration)]
    argv += ["-f", "flv", ctx.path(out_name)]
    return ctx.proc(name, argv)


def wait_ffmpeg_play_sent(proc, timeout=30):
    proc.wait_line(r"Sending play command", timeout)


def rtmpdump_player(ctx, url, out_name, name="rtmpdump"):
    argv = ["rtmpdump", "-r", url, "--live", "-m", "60", "-o", ctx.path(out_name)]
    return ctx.proc(name, argv)


def gst_player(ctx, url, out_name, name="gstplayer"):
    """GStreamer rtmpsrc (librtmp) writing the FLV byte stream it outputs to a file."""
    argv = ["gst-launch-1.0", "-e", "rtmpsrc", f"location={url} live=1", "!",
            "filesink", f"location={ctx.path(out_name)}"]
    return ctx.proc(name, argv)


def stop_player(proc, out_path=None, timeout=30, quiet_secs=2.0):
    """Let a player finish after the stream ended.

    Some servers (nginx-rtmp) keep players waiting after an unpublish, so once the
    recording has stopped growing for quiet_secs (or past timeout) the player gets SIGINT.
    ffmpeg needs a second SIGINT to abort a blocking network read; both ffmpeg and
    rtmpdump close their files cleanly on SIGINT.
    """
    deadline = time.monotonic() + timeout
    last_size, last_change = -1, time.monotonic()
    while proc.running() and time.monotonic() < deadline:
        size = file_size(out_path) if out_path else 0
        now = time.monotonic()
        if size != last_size:
            last_size, last_change = size, now
        elif now - last_change >= quiet_secs:
            break
        time.sleep(0.1)
    if not proc.running():
        return proc.poll()
    log(f"{proc.name} still running after stream end; sending SIGINT")
    for _ in range(2):
        proc.send_signal(signal.SIGINT)
        try:
            return proc.p.wait(timeout=4)
        except subprocess.TimeoutExpired:
            pass
    log(f"{proc.name} ignored SIGINT; killing")
    return proc.stop(signal.SIGKILL, 10)


# --------------------------------------------------------------------------- ffprobe

def _run(argv, timeout=120):
    r = subprocess.run([str(a) for a in argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")


def probe_streams(path):
    code, out, err = _run(["ffprobe", "-v", "error", "-count_packets", "-show_entries",
                           "stream=index,codec_type,codec_name,width,height,sample_rate,"
                           "nb_read_packets", "-of", "json", path])
    check(code == 0, f"ffprobe failed on {path}: {err.strip()[:500]}")
    return json.loads(out).get("streams", [])


def packet_counts(path):
    """{'video': n, 'audio': n} packets (= frames for H.264/AAC in FLV)."""
    counts = {}
    for s in probe_streams(path):
        counts[s["codec_type"]] = counts.get(s["codec_type"], 0) + int(s.get("nb_read_packets", 0))
    return counts


def codec_names(path):
    return {s["codec_type"]: s["codec_name"] for s in probe_streams(path)}


def first_video_packet_is_key(path):
    """(is_key, flags, pts_time) of the first video packet in the file."""
    code, out, err = _run(["ffprobe", "-v", "error", "-select_streams", "v:0",
                           "-show_entries", "packet=flags,pts_time", "-read_intervals", "%+#1",
                           "-of", "json", path])
    check(code == 0, f"ffprobe failed on {path}: {err.strip()[:500]}")
    pkts = json.loads(out).get("packets", [])
    check(pkts, f"{path}: no video packet")
    flags = pkts[0].get("flags", "")
    return flags.startswith("K"), flags, pkts[0].get("pts_time")


def first_video_frame_is_key(path):
    """key_frame of the first decoded video frame (ffprobe -show_frames)."""
    code, out, err = _run(["ffprobe", "-v", "error", "-select_streams", "v:0",
                           "-show_entries", "frame=key_frame,pict_type", "-read_intervals",
                           "%+#1", "-of", "json", path])
    check(code == 0, f"ffprobe failed on {path}: {err.strip()[:500]}")
    frames = json.loads(out).get("frames", [])
    check(frames, f"{path}: no decoded video frame")
    return frames[0].get("key_frame") == 1, frames[0]


def decode_errors(path):
    """Text ffmpeg prints at -v error while decoding the whole file ('' = clean)."""
    code, out, err = _run(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-i", path,
                           "-f", "null", "-"], timeout=300)
    text = (out + err).strip()
    if code != 0 and not text:
        text = f"ffmpeg exit status {code}"
    return text


def check_recording(path, what, sent_video, sent_audio=None, min_ratio=0.95):
    """h264 + aac present and >= min_ratio of the frames sent; returns the counts."""
    check(file_size(path) > 0, f"{what}: recording {path} is empty or missing")
    names = codec_names(path)
    check(names.get("video") == "h264", f"{what}: video codec {names.get('video')}, want h264")
    check(names.get("audio") == "aac", f"{what}: audio codec {names.get('audio')}, want aac")
    counts = packet_counts(path)
    v, a = counts.get("video", 0), counts.get("audio", 0)
    log(f"{what}: {v} video / {a} audio packets (sent {sent_video} / {sent_audio})")
    check(v >= min_ratio * sent_video,
          f"{what}: {v} video frames recorded, want >= {min_ratio:.0%} of {sent_video} sent")
    if sent_audio:
        check(a >= min_ratio * sent_audio,
              f"{what}: {a} audio frames recorded, want >= {min_ratio:.0%} of {sent_audio} sent")
    return counts
