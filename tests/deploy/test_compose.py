"""deploy/: the compose file is valid for Debian's docker-compose, its topology is
the documented one (ingest on 1935/9100 binding events on tcp://0.0.0.0:5556,
scalable dispatchers pulling from tcp://ingest:5556), the Dockerfiles are
multi-stage Debian 12 builds running as a non-root user, the build context
docker-compose 1.29's classic builder would send holds what they copy (one
.dockerignore at the context root, none per Dockerfile) and CMake configures
from it with the Dockerfiles' options, and every
RTMP_INGEST_* / RTMP_DISPATCHER_* variable and every flag used in the compose
file and the Dockerfiles exists in the binaries' -help. Then the real binaries
start with exactly the compose environment (ports moved to loopback by flags,
which win over the environment) and exit 0 on SIGTERM: every value parses.

No Docker engine runs here: nothing is built or pulled.
"""
import glob
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness as h  # noqa: E402

DEPLOY = os.path.join(h.REPO, "deploy")
COMPOSE = os.path.join(DEPLOY, "docker-compose.yml")
DOCKERFILES = {"ingest": os.path.join(DEPLOY, "Dockerfile.ingest"),
               "dispatcher": os.path.join(DEPLOY, "Dockerfile.dispatcher")}
PREFIX = {"ingest": "RTMP_INGEST_", "dispatcher": "RTMP_DISPATCHER_"}


def dispatcher_binary():
    path = os.environ.get("DISPATCHER_BIN") or os.path.join(
        os.path.dirname(h.ingest_binary()), "rtmp-dispatcher")
    h.check(os.access(path, os.X_OK), f"rtmp-dispatcher not found at {path}")
    return path


def binaries():
    ingest = h.ingest_binary()
    h.check(os.access(ingest, os.X_OK), f"rtmp-ingest not found at {ingest}")
    return {"ingest": ingest, "dispatcher": dispatcher_binary()}


def help_text(binary):
    r = subprocess.run([binary, "-help"], capture_output=True, text=True, timeout=30,
                       env={k: v for k, v in os.environ.items() if not k.startswith("RTMP_")})
    text = r.stdout + r.stderr
    h.check("Usage of" in text, f"{binary} -help printed no usage (exit {r.returncode})")
    return text


def compose_config():
    r = subprocess.run(["docker-compose", "-f", COMPOSE, "config", "-q"],
                       capture_output=True, text=True, timeout=120)
    h.check(r.returncode == 0, f"docker-compose config -q failed: {r.stderr.strip()}")
    r = subprocess.run(["docker-compose", "-f", COMPOSE, "config"],
                       capture_output=True, text=True, timeout=120)
    h.check(r.returncode == 0, f"docker-compose config failed: {r.stderr.strip()}")
    import yaml  # python3-yaml: a dependency of Debian's docker-compose
    return yaml.safe_load(r.stdout)


def flags_in(argv):
    """Flag names (without dashes or =value) in an argument list."""
    return {a.lstrip("-").split("=", 1)[0] for a in argv
            if re.match(r"^--?[a-z][a-z0-9-]*(=|$)", a)}


def as_argv(value):
    if value is None:
        return []
    return shlex.split(value) if isinstance(value, str) else [str(v) for v in value]


def dockerfile_usage(path):
    """(RTMP_* variables, flags) a Dockerfile sets or passes."""
    text = h.read_text(path)
    variables = set(re.findall(r"\b(RTMP_(?:INGEST|DISPATCHER)_[A-Z0-9_]+)", text))
    flags = set()
    for m in re.finditer(r"^(?:ENTRYPOINT|CMD)\s+(\[.*\])\s*$", text, re.M):
        flags |= flags_in(json.loads(m.group(1))[1:])
    return variables, flags


def check_dockerfile(name, path):
    text = h.read_text(path)
    froms = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", text, re.M | re.I)
    h.check(len(froms) >= 2, f"{path}: not multi-stage ({froms})")
    h.check(froms[0][0] == "debian:12", f"{path}: build stage is {froms[0][0]}, not debian:12")
    h.check(froms[-1][0] == "debian:12-slim", f"{path}: runtime is {froms[-1][0]}")
    h.check("install-deps.sh --build-only" in text, f"{path}: does not use install-deps.sh")
    runtime = text[text.rindex("FROM "):]
    users = re.findall(r"^USER\s+(\S+)", runtime, re.M)
    h.check(users and users[-1] not in ("root", "0"), f"{path}: runtime runs as root")
    h.check("COPY --from=" in runtime and f"rtmp-{name}" in runtime,
            f"{path}: runtime does not copy the rtmp-{name} binary from the build stage")
    h.check(not re.search(r"-dev\b", runtime), f"{path}: runtime installs -dev packages")


def dockerfile_copies(path):
    """The context paths a Dockerfile's build stage COPYs (not --from=)."""
    sources = []
    for m in re.finditer(r"^COPY\s+(?!--from)(.+)$", h.read_text(path), re.M):
        sources += m.group(1).split()[:-1]
    return sources


def check_build_context(ctx, services):
    """What docker-compose 1.29's classic builder sends as each build context:
    the context directory filtered by the .dockerignore at its root (the only
    ignore file it reads; Dockerfile.<name>.dockerignore is BuildKit's). The
    context must hold what the Dockerfile copies and no build trees or .git,
    and CMake must configure from those files alone with the Dockerfile's
    options."""
    try:
        from docker.utils.build import exclude_paths  # python3-docker, under docker-compose
    except ImportError:
        h.skip("python3-docker not installed (a dependency of Debian's docker-compose)")
    stray = sorted(glob.glob(os.path.join(h.REPO, "**", "*.dockerignore"), recursive=True))
    h.check(not stray, f"per-Dockerfile ignore files the classic builder cannot read: {stray}")
    for name, svc in services.items():
        build = svc.get("build")
        if not build:
            continue
        context = os.path.normpath(build["context"])
        dockerfile = build.get("dockerfile", "Dockerfile")
        ignore = os.path.join(context, ".dockerignore")
        h.check(os.path.exists(ignore), f"{name}: no .dockerignore at its context root {context}")
        patterns = [l.strip() for l in h.read_text(ignore).splitlines()
                    if l.strip() and not l.startswith("#")]
        sent = exclude_paths(context, patterns, dockerfile=dockerfile)
        leaked = sorted(p for p in sent if re.match(r"(build[^/]*|\.git)(/|$)", p))
        h.check(not leaked, f"{name}: the build context sends {leaked[:5]}")
        copies = dockerfile_copies(os.path.join(context, dockerfile))
        h.check(copies, f"{name}: {dockerfile} copies nothing")
        for src in copies:
            src = src.rstrip("/").lstrip("./") or "."
            h.check(src in sent, f"{name}: {dockerfile} copies {src}, which the context leaves out")
        # The build stage's CMake configure, on exactly the files it copies.
        tree = ctx.path(f"context-{name}")
        for rel in sent:
            full = os.path.join(context, rel)
            if os.path.isfile(full) and any(rel == c or rel.startswith(c + "/")
                                            for c in (s.rstrip("/") for s in copies)):
                os.makedirs(os.path.dirname(os.path.join(tree, rel)), exist_ok=True)
                shutil.copy(full, os.path.join(tree, rel))
        run = re.search(r"^RUN cmake -S \. -B \S+ (.*?)\s*\\?$",
                        h.read_text(os.path.join(context, dockerfile)), re.M)
        h.check(run, f"{name}: no `RUN cmake -S . -B …` line in {dockerfile}")
        r = subprocess.run(["cmake", "-S", tree, "-B", os.path.join(tree, "_build")] +
                           shlex.split(run.group(1)), capture_output=True, text=True,
                           timeout=300)
        h.check(r.returncode == 0,
                f"{name}: CMake does not configure from the build context: {r.stderr[-1500:]}")
        h.log(f"{name}: context of {len(sent)} paths; {dockerfile} copies {copies}; "
              f"CMake configures from them")


def env_of(service):
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(e.split("=", 1) for e in env)
    return {k: str(v) for k, v in env.items()}


def run_with_env(ctx, name, binary, env, args, ready_regex):
    """Starts `binary` with only the compose env (plus PATH) and `args`; SIGTERM; exit 0."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RTMP_")}
    clean.update(env)
    p = subprocess.Popen([binary] + args, stdout=open(ctx.path(f"{name}.stdout"), "wb"),
                         stderr=open(ctx.path(f"{name}.stderr"), "wb"), env=clean,
                         stdin=subprocess.DEVNULL)
    try:
        def ready():
            if p.poll() is not None:
                h.fail(f"{name} with the compose environment exited {p.returncode}: "
                       f"{h.read_text(ctx.path(name + '.stdout'))[-800:]}"
                       f"{h.read_text(ctx.path(name + '.stderr'))[-400:]}")
            return re.search(ready_regex, h.read_text(ctx.path(f"{name}.stdout")))
        h.wait_for(ready, 30, f"{name} to start with the compose environment")
        p.send_signal(signal.SIGTERM)
        code = p.wait(timeout=60)
        h.check(code == 0, f"{name} exit status {code} after SIGTERM")
        h.log(f"{name} started with the compose environment and exited 0 on SIGTERM")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def main(ctx):
    if not shutil.which("docker-compose"):
        h.skip("docker-compose not installed (Debian package docker-compose)")
    bins = binaries()
    helps = {k: help_text(v) for k, v in bins.items()}
    config = compose_config()
    services = config["services"]
    for s in ("ingest", "dispatcher", "webhook-receiver"):
        h.check(s in services, f"compose has no {s} service")

    # Topology.
    ingest, disp = services["ingest"], services["dispatcher"]
    ienv, denv = env_of(ingest), env_of(disp)
    ports = {str(p.get("target")) if isinstance(p, dict) else str(p).split(":")[-1]
             for p in ingest.get("ports", [])}
    h.check({"1935", "9100"} <= ports, f"ingest publishes {ports}, want 1935 and 9100")
    h.check(ienv.get("RTMP_INGEST_EVENTS_BIND") == "tcp://0.0.0.0:5556",
            f"ingest events bind {ienv.get('RTMP_INGEST_EVENTS_BIND')}")
    h.check(ienv.get("RTMP_INGEST_METRICS_ADDR", "").endswith(":9100"), "ingest metrics on 9100")
    h.check(denv.get("RTMP_DISPATCHER_EVENTS_CONNECT") == "tcp://ingest:5556",
            f"dispatcher pulls from {denv.get('RTMP_DISPATCHER_EVENTS_CONNECT')}")
    h.check(int((disp.get("deploy") or {}).get("replicas", 1)) >= 2, "dispatcher replicas < 2")
    h.check(not disp.get("ports"), "dispatcher publishes host ports: --scale would collide")
    h.check("container_name" not in disp, "dispatcher has a container_name: --scale fails")
    for name, svc in services.items():
        build = svc.get("build")
        if build:
            df = os.path.normpath(os.path.join(build["context"], build.get("dockerfile", "")))
            h.check(os.path.exists(df), f"{name}: Dockerfile {df} missing")
    check_build_context(ctx, services)

    # Variables and flags: each must exist in the binary's -help.
    with open(COMPOSE) as f:
        compose_text = f.read()
    used = {"ingest": (set(), set()), "dispatcher": (set(), set())}
    for var in re.findall(r"\b(RTMP_(?:INGEST|DISPATCHER)_[A-Z0-9_]+)", compose_text):
        used["ingest" if var.startswith("RTMP_INGEST_") else "dispatcher"][0].add(var)
    for name in ("ingest", "dispatcher"):
        used[name][1].update(flags_in(as_argv(services[name].get("command"))))
        used[name][1].update(flags_in(as_argv(services[name].get("entrypoint"))[1:]))
    for name, path in DOCKERFILES.items():
        check_dockerfile(name, path)
        variables, flags = dockerfile_usage(path)
        for var in variables:
            used["ingest" if var.startswith("RTMP_INGEST_") else "dispatcher"][0].add(var)
        used[name][1].update(flags)
    for name, (variables, flags) in used.items():
        h.check(variables, f"no RTMP_* variable configures the {name}")
        for var in sorted(variables):
            h.check(re.search(rf"env {var}\b", helps[name]),
                    f"{var} (compose/Dockerfile) is not in rtmp-{name} -help")
        for flag in sorted(flags):
            h.check(re.search(rf"^\s+-{re.escape(flag)}\b", helps[name], re.M),
                    f"-{flag} (compose/Dockerfile) is not in rtmp-{name} -help")
        h.log(f"rtmp-{name}: {len(variables)} variables and {len(flags)} flags all in -help")

    # Examples and Prometheus config.
    ex = os.path.join(DEPLOY, "examples")
    script = os.path.join(ex, "on_publish.sh")
    h.check(os.access(script, os.X_OK), "examples/on_publish.sh not executable")
    h.check(h.read_text(script).startswith("#!"), "examples/on_publish.sh has no shebang")
    h.check(subprocess.run(["sh", "-n", script]).returncode == 0, "on_publish.sh: sh -n")
    r = subprocess.run([sys.executable, "-m", "py_compile",
                        os.path.join(ex, "webhook_receiver.py")], capture_output=True)
    h.check(r.returncode == 0, f"webhook_receiver.py does not compile: {r.stderr}")
    if shutil.which("promtool"):
        r = subprocess.run(["promtool", "check", "config", os.path.join(DEPLOY, "prometheus.yml")],
                           capture_output=True, text=True, timeout=60)
        h.check(r.returncode == 0, f"promtool check config: {r.stdout}{r.stderr}")

    # The binaries accept every value of the compose environment. Addresses move
    # to free loopback ports by flags (a flag wins over the environment); the
    # dispatcher's ingest host name resolves only inside compose, so it gets
    # the ingest started here.
    # Bind mounts are applied as path rewrites, as the container would see them.
    for vol in disp.get("volumes", []):
        src, dst = (vol["source"], vol["target"]) if isinstance(vol, dict) \
            else vol.split(":")[:2]
        denv = {k: v.replace(dst, src) for k, v in denv.items()}
    rtmp, metrics, events, dmetrics = (h.free_port() for _ in range(4))
    run_with_env(ctx, "ingest", bins["ingest"], ienv,
                 ["-listen", f"127.0.0.1:{rtmp}", "-metrics-addr", f"127.0.0.1:{metrics}",
                  "-events-bind", f"tcp://127.0.0.1:{events}"], r"(?i)listening")
    run_with_env(ctx, "dispatcher", bins["dispatcher"], denv,
                 ["-metrics-addr", f"127.0.0.1:{dmetrics}",
                  "-events-connect", f"tcp://127.0.0.1:{events}"], r"dispatcher pulling")


if __name__ == "__main__":
    h.run(main)
