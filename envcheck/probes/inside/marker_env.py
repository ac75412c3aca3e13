"""Run by the *target* interpreter: its PEP 508 marker environment, as one JSON line.

Standard library only, any Python 3. The values are the ones PEP 508 defines (and `packaging.markers`
computes) for the interpreter that runs this: so `python_version`, `sys_platform` and the rest are the
target's, not envcheck's. `extra` is left out: the caller sets it per requirement.
"""

import json
import os
import platform
import sys


def _full_version(info):
    """sys.implementation.version as PEP 508 writes it: 3.12.1, 3.13.0rc2."""
    version = "%d.%d.%d" % (info.major, info.minor, info.micro)
    if info.releaselevel != "final":
        version += info.releaselevel[0] + str(info.serial)
    return version


def main():
    print(
        json.dumps(
            {
                "implementation_name": sys.implementation.name,
                "implementation_version": _full_version(sys.implementation.version),
                "os_name": os.name,
                "platform_machine": platform.machine(),
                "platform_release": platform.release(),
                "platform_system": platform.system(),
                "platform_version": platform.version(),
                "python_full_version": platform.python_version(),
                "platform_python_implementation": platform.python_implementation(),
                "python_version": ".".join(platform.python_version_tuple()[:2]),
                "sys_platform": sys.platform,
            }
        )
    )


if __name__ == "__main__":
    main()
