"""What every sequence benchmark prints first: the command, the machine and its load average."""

from __future__ import annotations

import os
import platform
import sys


def header() -> None:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(f"command: {' '.join([os.path.basename(sys.executable), *sys.argv])}")
    print(
        f"machine: {platform.machine()} {platform.processor() or ''} {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )
    print(f"load average (1, 5, 15 min): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
