"""Runs the real freezewatch binary: check-config on good and broken configs,
lookup of shipped-list addresses in several spellings. Exit codes and messages
are part of the operator contract (README, docs/configuration.md)."""
import os
import signal
import socket
import subprocess
import time
import urllib.request
import tempfile
import textwrap
import unittest
from pathlib import Path

BIN = os.environ.get("FREEZEWATCH_BIN", "build/daemon/app/freezewatch")
ROOT = Path(os.environ.get("FW_SOURCE_DIR", Path(__file__).resolve().parents[2]))
CONFIG = ROOT / "config"


def run(*args, env=None):
    e = dict(os.environ)
    e.pop("FREEZEWATCH_CONFIG", None)
    e.update(env or {})
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60, env=e)


def lists_config(tmp: Path) -> Path:
    cfg = tmp / "lists.yaml"
    cfg.write_text(textwrap.dedent(f"""\
        watchlists:
          files:
            - name: ofac
              path: {CONFIG / 'watchlists/ofac.csv'}
            - name: alex-lab-2024
              path: {CONFIG / 'watchlists/alex-lab-2024.csv'}
        """))
    return cfg


class Basics(unittest.TestCase):
    def test_help_and_version(self):
        r = run("--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("check-config", r.stdout)
        r = run("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^freezewatch \d+\.\d+\.\d+")

    def test_unknown_command_is_a_usage_error(self):
        r = run("frobnicate")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown command 'frobnicate'", r.stderr)


class CheckConfig(unittest.TestCase):
    def test_demo_config_is_valid(self):
        r = run("check-config", str(CONFIG / "demo.yaml"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("config OK", r.stdout)
        self.assertIn("demo-deposits", r.stdout)

    def test_example_config_is_valid_with_its_env_vars(self):
        env = {"EXCHANGE_DEPOSITS_TOKEN": "t0ken-value", "FREEZEWATCH_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
               "FREEZEWATCH_WEBHOOK_SECRET_OLD": "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
               "FREEZEWATCH_ADMIN_TOKEN": "admin-token-0123456789abcdef", "HIRO_API_KEY": "hiro-api-key-value",
               "TRONGRID_API_KEY": "trongrid-api-key-value"}
        r = run("check-config", str(CONFIG / "freezewatch.example.yaml"), env=env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        for secret in env.values():
            self.assertNotIn(secret, r.stdout + r.stderr, "secrets must never be printed")

    def test_broken_config_lists_every_error_with_line_and_path(self):
        with tempfile.TemporaryDirectory() as d:
            cfg = Path(d) / "bad.yaml"
            cfg.write_text(textwrap.dedent("""\
                admin:
                  port: 99999
                webhooks:
                  - name: a
                    type: http
                    url: ftp://example.org/hook
                    secrets: ["${FW_TEST_UNSET_SECRET_VAR}"]
                    timeout: 5
                sourcez: []
                """))
            r = run("check-config", str(cfg))
            self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
            err = r.stderr
            self.assertIn("bad.yaml:2: admin.port", err)
            self.assertIn("bad.yaml:8: webhooks[0].timeout: unknown key (did you mean timeout_ms?)", err)
            self.assertIn("FW_TEST_UNSET_SECRET_VAR", err)
            self.assertIn("webhooks[0].url", err)
            self.assertIn("sourcez", err)
            self.assertIn("did you mean sources?", err)

    def test_missing_file_is_reported(self):
        r = run("check-config", "/nonexistent/freezewatch.yaml")
        self.assertEqual(r.returncode, 3)
        self.assertIn("/nonexistent/freezewatch.yaml", r.stderr)

    def test_strict_watchlist_with_bad_line_fails(self):
        with tempfile.TemporaryDirectory() as d:
            lst = Path(d) / "list.txt"
            lst.write_text("0x3e8c9490687dfc26c5621dd63ce9c3d415b405ed\nnot-an-address\n")
            cfg = Path(d) / "c.yaml"
            cfg.write_text(f"watchlists:\n  files:\n    - {{name: l, path: {lst}, format: text, strict: true}}\n")
            r = run("check-config", str(cfg))
            self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
            self.assertIn("list.txt:2", r.stderr)
            # Not strict: the bad line is skipped and reported, the config is valid.
            cfg.write_text(f"watchlists:\n  files:\n    - {{name: l, path: {lst}, format: text}}\n")
            r = run("check-config", str(cfg))
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("list.txt:2", r.stdout)


class Lookup(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.cfg = str(lists_config(Path(cls.tmp.name)))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def lookup(self, addr):
        return run("lookup", addr, "--config", self.cfg)

    def test_stacks_attacker_in_any_case(self):
        for spelling in ["SP2AS4QCQ81PJQ5HE3TJ6AJ554QX2YK14MFHT2VRS", "sp2as4qcq81pjq5he3tj6aj554qx2yk14mfht2vrs"]:
            r = self.lookup(spelling)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("LISTED SP2AS4QCQ81PJQ5HE3TJ6AJ554QX2YK14MFHT2VRS (stacks)", r.stdout)
            self.assertIn("alex-lab-2024", r.stdout)

    def test_evm_checksummed_and_lower_case(self):
        for spelling in ["0x3e8C9490687dFC26c5621dd63CE9C3d415b405ed", "0x3e8c9490687dfc26c5621dd63ce9c3d415b405ed",
                         "0x3E8C9490687DFC26C5621DD63CE9C3D415B405ED"]:
            r = self.lookup(spelling)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("LISTED 0x3e8c9490687dfc26c5621dd63ce9c3d415b405ed (evm)", r.stdout)

    def test_tron_base58_and_hex(self):
        # TSMQQM9... (Lazarus-linked, ALEX statement) in base58 and in its 41-hex form.
        for spelling in ["TSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rm", "41b3b4ae64a81cfda5d38a4d2f008233cf736217c3",
                         "41B3B4AE64A81CFDA5D38A4D2F008233CF736217C3"]:
            r = self.lookup(spelling)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("LISTED TSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rm (tron)", r.stdout)

    def test_ofac_usdt_list_routes_each_chain(self):
        for addr, chain in [("TEAqwfMhXLaomXhZ8KeMhx3njGmQEDnsUR", "tron"),
                            ("0x175d44451403edf28469df03a9280c1197adb92c", "evm"),
                            ("16iWn2J1McqjToYLHSsAyS6En3QA8YQ91H", "bitcoin")]:
            r = self.lookup(addr)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn(f"({chain})", r.stdout)
            self.assertIn("OFAC", r.stdout)

    def test_unlisted_and_invalid(self):
        r = self.lookup("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
        self.assertEqual(r.returncode, 4, r.stdout + r.stderr)
        self.assertIn("NOT LISTED 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", r.stdout)
        r = self.lookup("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD")  # wrong EIP-55 case
        self.assertEqual(r.returncode, 5, r.stdout + r.stderr)
        self.assertIn("INVALID", r.stdout)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Reload(unittest.TestCase):
    """SIGHUP reloads the lists of a running daemon; a broken strict list keeps the old one."""

    def metric(self, port, name):
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
        for line in body.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        return None

    def wait_metric(self, port, name, want, timeout=15):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            try:
                last = self.metric(port, name)
                if last == want:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.fail(f"{name} is {last}, wanted {want}")

    def test_sighup_reloads_and_failed_reload_keeps_old_list(self):
        with tempfile.TemporaryDirectory() as d:
            d = Path(d)
            lst = d / "list.txt"
            lst.write_text("0x3e8c9490687dfc26c5621dd63ce9c3d415b405ed\n")
            port = free_port()
            cfg = d / "c.yaml"
            cfg.write_text(textwrap.dedent(f"""\
                storage: {{dir: {d / 'state'}}}
                admin: {{port: {port}}}
                watchlists:
                  watch_files: false
                  twins: {{evm_tron: false}}
                  files:
                    - {{name: l, path: {lst}, format: text, strict: true}}
                """))
            proc = subprocess.Popen([BIN, "run", "--config", str(cfg)], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
            try:
                self.wait_metric(port, "freezewatch_watchlist_entries", 1)
                lst.write_text("0x3e8c9490687dfc26c5621dd63ce9c3d415b405ed\nTSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rm\n")
                proc.send_signal(signal.SIGHUP)
                self.wait_metric(port, "freezewatch_watchlist_entries", 2)
                lst.write_text("0x3e8c9490687dfc26c5621dd63ce9c3d415b405ed\nnot-an-address\n")
                proc.send_signal(signal.SIGHUP)
                self.wait_metric(port, "freezewatch_watchlist_reload_failures_total", 1)
                self.assertEqual(self.metric(port, "freezewatch_watchlist_entries"), 2)
                proc.send_signal(signal.SIGTERM)
                out, err = proc.communicate(timeout=20)
                self.assertEqual(proc.returncode, 0, err)
                self.assertIn("watchlist reload failed", err)
                self.assertIn("list.txt:2", err)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.communicate()


if __name__ == "__main__":
    unittest.main()
