#!/usr/bin/env python3
"""Every test source under tests/ is registered in its folder's CMakeLists.txt.

Test lists are written out (no GLOB), so a new test file that nobody adds to
CMake would never build or run; this check makes that a failure instead.
A folder whose tests take the real-time media lock also labels them `slow`: the
release and TSan stages of scripts/test.sh skip that label to keep CI within its
time, so a media test without it would silently lengthen every run.
rtmp_process_test(... MEDIA) (cmake/RtmpProcessTest.cmake) sets both; this
catches a folder that sets the lock by hand without the label.
Usage: test_registered.py TESTS_DIR"""
import pathlib
import re
import sys

PATTERNS = ("*_test.cpp", "test_*.py", "fuzz_*.cpp")


def main():
    root = pathlib.Path(sys.argv[1])
    missing = []
    unlabelled = []
    checked = 0
    for cmake in sorted(root.rglob("CMakeLists.txt")):
        text = cmake.read_text(encoding="utf-8")
        words = set(re.findall(r"[A-Za-z0-9_]+", text))
        if "rtmp_integration_media" in words and "slow" not in words:
            unlabelled.append(str(cmake.relative_to(root)))
        for pattern in PATTERNS:
            for source in sorted(cmake.parent.glob(pattern)):
                checked += 1
                stem = source.stem
                unit = stem[: -len("_test")] if stem.endswith("_test") else stem
                if stem not in words and unit not in words:
                    missing.append(str(source.relative_to(root)))
    if missing:
        print("not registered in their folder's CMakeLists.txt:\n  " + "\n  ".join(missing))
        return 1
    if unlabelled:
        print("media-lock tests without the `slow` label in:\n  " + "\n  ".join(unlabelled))
        return 1
    print(f"all {checked} test sources are registered")
    return 0


if __name__ == "__main__":
    sys.exit(main())
