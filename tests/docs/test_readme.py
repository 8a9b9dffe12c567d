#!/usr/bin/env python3
"""The README documents every flag of both binaries (with its variable) and
every event name of SPEC §3. Usage: test_readme.py BIN_DIR README"""
import re
import subprocess
import sys

EVENTS = ["connection_accept", "handshake_complete", "stream_create", "stream_delete",
          "publish_start", "publish_stop", "play_start", "play_stop", "codec_detected",
          "subscriber_count", "auth_failed", "connection_close"]


def flags(binary):
    out = subprocess.run([binary, "-help"], capture_output=True, text=True, check=True).stdout
    found = re.findall(r"^\s+-(\S+)", out, re.M)
    envs = re.findall(r"env (RTMP_\S+)", out)
    assert found and len(found) == len(envs), f"unexpected -help output of {binary}"
    return found, envs


def main():
    bin_dir, readme_path = sys.argv[1], sys.argv[2]
    readme = open(readme_path, encoding="utf-8").read()
    missing = []
    for prog in ("rtmp-ingest", "rtmp-dispatcher"):
        names, envs = flags(f"{bin_dir}/{prog}")
        section = readme.split(f"### {prog}", 1)[-1]
        for name, env in zip(names, envs):
            if f"`-{name}`" not in section:
                missing.append(f"{prog} -{name}")
            if env not in readme:
                missing.append(f"{prog} ${env}")
    for event in EVENTS:
        if f"| {event} |" not in readme:
            missing.append(f"event {event}")
    if missing:
        print("README does not document:\n  " + "\n  ".join(missing))
        return 1
    print(f"README documents every flag and all {len(EVENTS)} events")
    return 0


if __name__ == "__main__":
    sys.exit(main())
