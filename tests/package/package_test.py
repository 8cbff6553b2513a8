"""The Debian packages (cmake/Packaging.cmake, docs/operations.md "Installing from the package").

Builds both packages with cpack from the current build into a temporary directory, checks their
control fields, file lists (paths, modes, owner root), conffiles and maintainer scripts, extracts
them into a temporary root, runs the extracted binaries (--version; the gateway's --check on a
copy of the packaged configuration with only /var/lib/accord moved into the temporary root and
the development PKI in its tls/ directory; then a real start on that copy), and verifies the
systemd unit with systemd-analyze where it is installed. lintian, when installed, is run and
its report printed (informational: the packages carry no copyright file or changelog yet).

usage: package_test.py --build-dir BUILD --source-dir SRC --version X.Y.Z
"""
import argparse
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time

parser = argparse.ArgumentParser()
parser.add_argument("--build-dir", required=True)
parser.add_argument("--source-dir", required=True)
parser.add_argument("--version", required=True)
args = parser.parse_args()

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL: " + message)
    return condition


def run(cmd, **kwargs):
    return subprocess.run(cmd, capture_output=True, text=True, **kwargs)


def must(cmd, **kwargs):
    result = run(cmd, **kwargs)
    if result.returncode != 0:
        sys.exit("command failed (%d): %s\n%s%s" % (result.returncode, " ".join(cmd),
                                                    result.stdout, result.stderr))
    return result.stdout


work = tempfile.mkdtemp(prefix="accord-package-")
try:
    # --- cpack: into the temporary directory; never a build, never into the trees -------------
    out = os.path.join(work, "out")
    must(["cpack", "-G", "DEB", "--config", os.path.join(args.build_dir, "CPackConfig.cmake"),
          "-B", out], cwd=work)
    arch = must(["dpkg", "--print-architecture"]).strip()
    gateway_deb = os.path.join(out, "accord-gateway_%s_%s.deb" % (args.version, arch))
    cli_deb = os.path.join(out, "accord_%s_%s.deb" % (args.version, arch))
    for deb in (gateway_deb, cli_deb):
        if not os.path.exists(deb):
            sys.exit("cpack made %s, not %s" % (sorted(os.listdir(out)), deb))
    for tree in (args.build_dir, args.source_dir):
        check(not os.path.exists(os.path.join(tree, "_CPack_Packages")),
              "cpack wrote _CPack_Packages into " + tree)
        check(not [f for f in os.listdir(tree) if f.endswith(".deb")], "a .deb in " + tree)

    # --- control fields -----------------------------------------------------------------------
    def fields(deb):
        text = must(["dpkg-deb", "-f", deb])
        found = {}
        for line in text.splitlines():
            if line and not line.startswith(" "):
                key, _, value = line.partition(":")
                found[key] = value.strip()
        return found

    runtime_libs = ["libc6", "libstdc++6", "libssl3", "libsqlite3-0", "libsodium23", "libpq5",
                    "libyaml-cpp0.7"]
    gw = fields(gateway_deb)
    cli = fields(cli_deb)
    for name, f, package, section in (("accord-gateway", gw, "accord-gateway", "net"),
                                      ("accord", cli, "accord", "utils")):
        check(f.get("Package") == package, "%s: Package %r" % (name, f.get("Package")))
        check(f.get("Version") == args.version, "%s: Version %r" % (name, f.get("Version")))
        check(f.get("Architecture") == arch, "%s: Architecture %r" % (name, f.get("Architecture")))
        check(f.get("Section") == section, "%s: Section %r" % (name, f.get("Section")))
        check(re.fullmatch(r".+ <[^@ ]+@[^> ]+>", f.get("Maintainer", "")) is not None,
              "%s: Maintainer %r is not 'Name <address>'" % (name, f.get("Maintainer")))
        check("gateway" in f.get("Description", ""), "%s: Description %r" % (name, f.get("Description")))
        depends = [d.strip().split(" ")[0] for d in f.get("Depends", "").split(",")]
        for lib in runtime_libs:
            check(lib in depends, "%s: Depends lacks %s: %s" % (name, lib, f.get("Depends")))
    gw_depends = [d.strip().split(" ")[0] for d in gw.get("Depends", "").split(",")]
    check("adduser" in gw_depends, "accord-gateway: Depends lacks adduser (postinst)")
    check("libzmq5" in gw_depends, "accord-gateway: Depends lacks libzmq5")
    check(gw.get("Recommends") == "accord", "accord-gateway: Recommends %r" % gw.get("Recommends"))

    # --- file lists ---------------------------------------------------------------------------
    def contents(deb):
        entries = {}
        for line in must(["dpkg-deb", "-c", deb]).splitlines():
            parts = line.split(None, 5)
            mode, owner, path = parts[0], parts[1], parts[5]
            entries[path.split(" -> ")[0]] = (mode, owner)
        return entries

    gw_files = contents(gateway_deb)
    cli_files = contents(cli_deb)
    for name, entries in (("accord-gateway", gw_files), ("accord", cli_files)):
        for path, (mode, owner) in entries.items():
            check(owner == "root/root", "%s: %s owned by %s" % (name, path, owner))
            check(mode[8] != "w" and "s" not in mode and "S" not in mode,
                  "%s: %s has mode %s (world-writable or set-id)" % (name, path, mode))
            base = os.path.basename(path.rstrip("/"))
            check(not re.search(r"\.(key|pem|crt|p12|der)$|secret|^spool\.db", base),
                  "%s ships a key, certificate or spool: %s" % (name, path))
    doc = "./usr/share/doc/accord-gateway/"
    expected = {
        "./usr/bin/accord-gateway": "-rwxr-xr-x",
        "./lib/systemd/system/accord-gateway.service": "-rw-r--r--",
        "./etc/accord/gateway.yaml": "-rw-r--r--",
        "./etc/accord/agencies.yaml": "-rw-r--r--",
        "./etc/accord/vocabulary.yaml": "-rw-r--r--",
        "./etc/accord/compliance/victims-code.yaml": "-rw-r--r--",
        "./etc/accord/compliance/bank-holidays-england-and-wales.yaml": "-rw-r--r--",
        "./etc/accord/agreements/": "drwxr-xr-x",
        "./etc/accord/tls/": "drwxr-x---",
        "./var/lib/accord/": "drwxr-x---",
        "./var/lib/accord/keys/": "drwxr-x---",
        "./var/lib/accord/signatures/": "drwxr-x---",
        doc + "README.md": "-rw-r--r--",
        doc + "operations.md": "-rw-r--r--",
        doc + "storage.md": "-rw-r--r--",
        doc + "examples/agencies.yaml": "-rw-r--r--",
        doc + "examples/london.yaml": "-rw-r--r--",
        doc + "examples/agreements/met-lvws-referral.yaml": "-rw-r--r--",
    }
    for path, mode in expected.items():
        check(gw_files.get(path, ("missing",))[0] == mode,
              "accord-gateway: %s is %s, expected %s" % (path, gw_files.get(path, ("missing",))[0], mode))
    check(not [p for p in gw_files if p.startswith("./etc/accord/tls/") and p != "./etc/accord/tls/"],
          "accord-gateway ships files in /etc/accord/tls")
    check(not [p for p in gw_files if p.startswith("./var/lib/accord/") and not p.endswith("/")],
          "accord-gateway ships files in /var/lib/accord")
    check(not [p for p in gw_files if p.startswith("./etc/accord/agreements/") and p.endswith(".yaml")],
          "accord-gateway ships an agreement in force (examples belong under the docs)")
    check(cli_files.get("./usr/bin/accord", ("missing",))[0] == "-rwxr-xr-x", "accord: /usr/bin/accord")
    check(not [p for p in cli_files if p.startswith(("./etc", "./var", "./lib"))],
          "accord ships files outside /usr")
    shared = [p for p in set(gw_files) & set(cli_files) if not p.endswith("/")]
    check(not shared, "both packages ship %s (dpkg would refuse the second)" % shared)

    # --- control archive: conffiles and maintainer scripts ------------------------------------
    control = os.path.join(work, "control")
    must(["dpkg-deb", "-e", gateway_deb, control])
    with open(os.path.join(control, "conffiles"), encoding="utf-8") as f:
        conffiles = sorted(f.read().split())
    etc_files = sorted("/" + p[2:] for p in gw_files if p.startswith("./etc/") and not p.endswith("/"))
    check(conffiles == etc_files, "conffiles %s are not every file under /etc %s" % (conffiles, etc_files))
    for script in ("postinst", "prerm", "postrm"):
        path = os.path.join(control, script)
        if not check(os.path.exists(path), "accord-gateway has no " + script):
            continue
        check(stat.S_IMODE(os.stat(path).st_mode) == 0o755, script + " is not 0755")
        with open(path, encoding="utf-8") as f:
            text = f.read()
        check(text.startswith("#!/bin/sh\n"), script + " does not start with #!/bin/sh")
        check("set -e" in text, script + " lacks set -e")
        check(run(["sh", "-n", path]).returncode == 0, script + " is not valid sh")
    with open(os.path.join(control, "postinst"), encoding="utf-8") as f:
        postinst = f.read()
    for needle in ("adduser --quiet --system --group --home /var/lib/accord", "chown accord:accord",
                   "chmod 0750", "chown root:accord /etc/accord/tls", "try-restart"):
        check(needle in postinst, "postinst lacks %r" % needle)

    # --- extracted: the binaries run, the packaged config checks -------------------------------
    root = os.path.join(work, "root")
    must(["dpkg-deb", "-x", gateway_deb, root])
    must(["dpkg-deb", "-x", cli_deb, root])
    gateway_bin = os.path.join(root, "usr/bin/accord-gateway")
    check(must([gateway_bin, "--version"]).strip() == "accord-gateway " + args.version,
          "accord-gateway --version")
    check(must([os.path.join(root, "usr/bin/accord"), "--version"]).strip() == "accord " + args.version,
          "accord --version")

    etc = os.path.join(root, "etc/accord")
    state = os.path.join(root, "var/lib/accord")
    with open(os.path.join(etc, "gateway.yaml"), encoding="utf-8") as f:
        packaged = f.read()
    # A copy beside the packaged file (relative paths resolve to the same tls/, agencies, ...),
    # with only the data directory moved into the temporary root.
    copy_text = packaged.replace("/var/lib/accord", state)
    settings = "\n".join(line.split("#")[0] for line in copy_text.splitlines())
    in_state = re.findall(r":\s+" + re.escape(state) + r"\S*", settings)
    check(len(in_state) == 5, "the packaged config names /var/lib/accord %d times, not 5 (spool, "
          "pseudonym_key, signing_key, keys, signatures)" % len(in_state))
    absolute = [v for v in re.findall(r":\s+(/\S+)", settings) if not v.startswith(root)]
    check(not absolute, "the packaged config names paths outside /etc/accord and /var/lib/accord: %s"
          % absolute)
    for key, value in (("listen", "0.0.0.0:8443"), ("admin_listen", "127.0.0.1:8444"),
                       ("health_listen", "127.0.0.1:8081")):
        address, port = value.split(":")
        check(re.search(r"^%s: *\n  address: %s *\n  port: %s *$" % (key, re.escape(address), port),
                        settings, re.M) is not None, "the packaged config's %s is not %s" % (key, value))
    checked_config = os.path.join(etc, "gateway.check.yaml")
    with open(checked_config, "w", encoding="utf-8") as f:
        f.write(copy_text)

    # Without the operator's certificates the packaged config is refused, naming the file.
    bare = run([gateway_bin, "--config", checked_config, "--check"])
    check(bare.returncode == 1 and os.path.join(etc, "tls/") in bare.stdout + bare.stderr,
          "--check without the TLS files exits %d: %s%s" % (bare.returncode, bare.stdout, bare.stderr))

    pki = os.path.join(work, "pki")
    must([os.path.join(args.source_dir, "certs/gen-dev-pki.sh"), pki])
    for name in ("ca.pem", "crl.pem", "server.pem", "server.key"):
        shutil.copy(os.path.join(pki, name), os.path.join(etc, "tls", name))
    os.chmod(os.path.join(etc, "tls", "server.key"), 0o640)

    before = sorted(os.listdir(state))
    checked = run([gateway_bin, "--config", checked_config, "--check"])
    check(checked.returncode == 0, "--check on the packaged config exits %d: %s%s"
          % (checked.returncode, checked.stdout, checked.stderr))
    check("are valid" in checked.stdout + checked.stderr, "--check did not say the config is valid")
    check(sorted(os.listdir(state)) == before, "--check created files in /var/lib/accord")

    # A real start on the same copy, on ports the OS chooses: the packaged layout serves.
    started_config = os.path.join(etc, "gateway.start.yaml")
    with open(started_config, "w", encoding="utf-8") as f:
        f.write(re.sub(r"(\n  port:) \d+", r"\1 0", copy_text))
    ready = os.path.join(work, "ready.json")
    gateway = subprocess.Popen([gateway_bin, "--config", started_config, "--ready-file", ready],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while not os.path.exists(ready) and gateway.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    check(os.path.exists(ready), "the extracted gateway did not start on the packaged config")
    gateway.send_signal(signal.SIGTERM)
    log, _ = gateway.communicate(timeout=60)
    check(gateway.returncode == 0, "the extracted gateway exited %s: %s" % (gateway.returncode, log))
    made = sorted(os.listdir(state))
    for name in ("spool.db", "pseudonym.key", "gateway-signing.key"):
        check(name in made, "the first start did not make /var/lib/accord/%s: %s" % (name, made))
        if name in made:
            mode = stat.S_IMODE(os.stat(os.path.join(state, name)).st_mode)
            check(mode == 0o600, "/var/lib/accord/%s is %o, not 0600" % (name, mode))

    # --- the systemd unit ---------------------------------------------------------------------
    with open(os.path.join(root, "lib/systemd/system/accord-gateway.service"), encoding="utf-8") as f:
        unit = f.read()
    for line in ("User=accord", "ExecStart=/usr/bin/accord-gateway --config /etc/accord/gateway.yaml",
                 "ExecReload=/bin/kill -HUP $MAINPID", "Restart=on-failure", "StateDirectory=accord",
                 "ReadWritePaths=/var/lib/accord", "ConfigurationDirectory=accord",
                 "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
                 "CapabilityBoundingSet=", "LimitNOFILE=65536", "WantedBy=multi-user.target"):
        check(re.search("^" + re.escape(line) + "$", unit, re.M) is not None, "the unit lacks " + line)
    if shutil.which("systemd-analyze"):
        # A copy whose ExecStart is the extracted binary: verify checks that it exists.
        unit_dir = os.path.join(work, "unit")
        os.mkdir(unit_dir)
        unit_copy = os.path.join(unit_dir, "accord-gateway.service")
        with open(unit_copy, "w", encoding="utf-8") as f:
            f.write(unit.replace("ExecStart=/usr/bin/accord-gateway", "ExecStart=" + gateway_bin))
        verified = run(["systemd-analyze", "verify", unit_copy])
        check(verified.returncode == 0 and not (verified.stdout + verified.stderr).strip(),
              "systemd-analyze verify: exit %d\n%s%s" % (verified.returncode, verified.stdout,
                                                          verified.stderr))
        security = run(["systemd-analyze", "security", "--offline=yes", unit_copy])
        score = re.search(r"Overall exposure level for accord-gateway.service: ([0-9.]+)",
                          security.stdout + security.stderr)
        check(score is not None and float(score.group(1)) <= 2.0,
              "systemd-analyze security: exposure above 2.0 (hardening lost?)\n" + security.stdout)
        print("systemd-analyze verify: clean; exposure %s" % (score.group(1) if score else "?"))
    else:
        print("systemd-analyze is not installed: the unit was not verified")

    if shutil.which("lintian"):
        report = run(["lintian", gateway_deb, cli_deb])
        print("lintian (informational):\n" + report.stdout + report.stderr)
    else:
        print("lintian is not installed: skipped")
finally:
    shutil.rmtree(work, ignore_errors=True)

if failures:
    sys.exit("%d check(s) failed" % len(failures))
print("packages %s and %s: every check passed" % (os.path.basename(gateway_deb), os.path.basename(cli_deb)))
