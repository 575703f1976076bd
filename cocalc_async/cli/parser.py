"""The argument parser. Only argparse is imported here, so ``--help`` stays fast."""

from __future__ import annotations

import argparse

EPILOG = """\
exit codes: 0 ok, 1 operation failed, 2 usage, 3 configuration (no key),
4 authentication/permission, 5 other API error, 6 connection/timeout, 130 interrupted.
The key comes from COCALC_API_KEY or the file named by COCALC_API_KEY_FILE (never a flag,
so it stays out of shell history and process lists); the server from --url or COCALC_URL."""


def _common(top: bool) -> argparse.ArgumentParser:
    # The options work before and after the subcommand. A subparser would overwrite a value given
    # before it with its own default, so below the top level the defaults are SUPPRESSed.
    p = argparse.ArgumentParser(add_help=False)
    d: dict[str, object] = {} if top else {"default": argparse.SUPPRESS}
    flag: dict[str, object] = {"default": False} if top else {"default": argparse.SUPPRESS}
    p.add_argument("--url", help="the CoCalc server (default: $COCALC_URL)", **d)  # type: ignore[arg-type]
    p.add_argument("--api-key-file", metavar="FILE", help="read the API key from FILE", **d)  # type: ignore[arg-type]
    p.add_argument("--json", action="store_true", help="machine-readable output", **flag)  # type: ignore[arg-type]
    p.add_argument("--debug", action="store_true", help="log requests, show tracebacks", **flag)  # type: ignore[arg-type]
    p.add_argument(
        "--request-timeout",
        "--timeout",
        dest="timeout",
        type=float,
        metavar="S",
        help="seconds per HTTP attempt (--timeout is its old name)",
        **d,  # type: ignore[arg-type]
    )
    return p


def build_parser() -> argparse.ArgumentParser:
    common = _common(top=False)
    parser = argparse.ArgumentParser(
        prog="cocalc-async",
        description="Talk to a CoCalc server (or the embedded emulator) from the shell.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[_common(top=True)],
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=help, parents=[common])

    add("ping", "check that the server answers and the key works (conat system.ping)")
    add("whoami", "show the account (or project) the key belongs to (conat system.test)")
    add(
        "doctor",
        "check which APIs the server serves, the key, the clock and the latency; "
        "say what to change (exit 0 only when everything works)",
    )

    p = add("exec", "run a command in a project (v2 exec): exec PROJECT -- CMD ARGS...")
    p.add_argument("project", help="the project id")
    p.add_argument("cmd", nargs="*", metavar="-- CMD", help="the command and its arguments")
    p.add_argument("--path", default=None, help="working directory, relative to HOME")
    p.add_argument(
        "--exec-timeout",
        type=float,
        default=60,
        metavar="S",
        help="server-side limit (default 60); above 50 s the command runs as an async job",
    )
    p.add_argument(
        "--wait-timeout",
        type=float,
        default=None,
        metavar="S",
        help="how long to wait for an async job (default: --exec-timeout + 60); see "
        "docs/timeouts.md",
    )
    p.add_argument("--max-output", type=int, metavar="N", help="cap stdout and stderr at N chars")

    p = add("read", "print a text file of a project (conat readTextFileFromProject)")
    p.add_argument("project", help="the project id")
    p.add_argument("path", help="the file, relative to the project's HOME")

    p = add("write", "write standard input to a text file of a project (v2 write-text-file)")
    p.add_argument("project", help="the project id")
    p.add_argument("path", help="the file, relative to the project's HOME")

    p = add("copy", "copy a path between projects (v2 copy-path)")
    p.add_argument("src_project", help="the source project id")
    p.add_argument("src_path", help="the path to copy, relative to the source's HOME")
    p.add_argument("dst_project", help="the target project id")
    p.add_argument("dst_path", nargs="?", help="where it goes (default: the same path)")
    p.add_argument("--wait", action="store_true", help="poll until the copy has finished")
    p.add_argument(
        "--wait-timeout", type=float, default=600, metavar="S", help="seconds --wait may take"
    )

    p = add("query", 'run a v2 user query, e.g. \'{"accounts": {"account_id": null}}\'')
    p.add_argument("query_json", metavar="JSON", help="the query, as JSON")

    p = add(
        "call",
        "call any endpoint: call conat/hub system.ping, call v2 projects/start "
        "'{\"project_id\": ...}' (v1 only on hubs built before 2025-05-29)",
    )
    p.add_argument("api", choices=["v1", "v2", "conat/hub", "conat/project"], help="which API")
    p.add_argument("path", help="the endpoint: a v1 event, a v2 path or a conat function")
    p.add_argument(
        "params_json", metavar="JSON", nargs="?", default="{}", help="parameters as JSON"
    )

    p = add("serve", "run the CoCalc emulator on 127.0.0.1")
    # Declared here rather than taken from testing.serve, so --help never imports the emulator.
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1); anything but loopback needs --allow-remote",
    )
    p.add_argument("--port", type=int, default=0, help="port (default 0: any free port)")
    p.add_argument("--data-dir", default=None, help="keep state here across restarts")
    p.add_argument(
        "--v1",
        action="store_true",
        help="also serve the removed API v1 (/api/v1/*), as its last release answered",
    )
    p.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a non-loopback --host (the emulator runs shell commands for key holders);"
        " every request must then carry a valid API key",
    )
    p.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="ENDPOINT:KIND[:TIMES]",
        help="make the next TIMES (default 1) calls to ENDPOINT fail with KIND, e.g."
        " v2/exec:http_502:2 or 'v2/*:reset_after_body'; repeatable. KINDs: http_500, http_502,"
        " http_503, http_504, http_429, http_413, reset_before_body, reset_after_body,"
        " reset_after_handler, reset_mid_response, slow, truncated_json, non_json, error_200,"
        " throttle, custom. At run time: POST /_emulator/faults with the printed"
        " COCALC_EMULATOR_ADMIN_TOKEN (docs/emulator.md)",
    )

    course = add("course", "run a course: provision, collect, return, status")
    course_sub = course.add_subparsers(dest="course_command", metavar="ACTION", required=True)
    actions = {
        "provision": "a project, the collaborator or invite, and the assignment for every "
        "student of a roster (without --url or COCALC_URL: a demo course on the embedded "
        "emulator)",
        "collect": "copy each student's assignment to <assignment>-collected/<email> in the "
        "instructor's project",
        "return": "copy each collected (graded) folder to graded-<assignment> in the student's "
        "project",
        "status": "a table per student: account, project, invited/accepted, copied, collected, "
        "returned, last error",
    }
    for name, text in actions.items():
        p = course_sub.add_parser(name, parents=[common], help=text, description=text)
        _course_args(p, name)

    p = add("demo", "provision a demo course on the embedded emulator, repair it, show status")
    p.add_argument("--students", type=int, default=25, help="roster size (default 25)")
    p.add_argument("--report", metavar="FILE", help="write the last run's JSON report here")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def _course_args(p: argparse.ArgumentParser, action: str) -> None:
    p.add_argument(
        "--roster",
        metavar="FILE",
        help="CSV with an email column (first_name, last_name optional), or one e-mail a line",
    )
    p.add_argument("--assignment", metavar="PATH", help="folder in the instructor's project")
    p.add_argument("--project", metavar="ID", help="the instructor's project id (a UUID)")
    p.add_argument("--course", default=None, help="course name: student project titles and markers")
    p.add_argument("--concurrency", type=int, default=10, help="students at once (default 10)")
    p.add_argument(
        "--only", metavar="EMAILS", help="comma-separated e-mails: run only these students"
    )
    p.add_argument(
        "--strict", action="store_true", help="refuse the roster if any row is bad (exit 2)"
    )
    p.add_argument("--report", metavar="FILE", help="write the JSON report here")
    p.add_argument("--csv", metavar="FILE", help="also write the report as CSV")
    p.add_argument(
        "--no-progress", action="store_true", help="no progress bar (failures still shown)"
    )
    p.add_argument(
        "--retries",
        type=int,
        default=3,
        help="restarts of a student after a transient error (default 3)",
    )
    if action == "provision":
        p.add_argument("--check", metavar="CMD", help="check command run in each student project")
        p.add_argument(
            "--create-accounts",
            action="store_true",
            help="create missing accounts (needs an admin's key) instead of inviting by e-mail",
        )
