"""Every exchange recorded from a real CoCalc hub (``tests/samples/real/``), replayed from a
loopback server through the SDK, classifies to the right typed result or typed error.

``EXPECTED`` maps each recorded exchange to ``(generated, raw)``: the outcome through the
generated coroutine for that endpoint (the result model's name, or the error class), and through
``Client.call`` (the JSON's type, or the error class). ``refused:<Error>`` means the coroutine
refused the recorded arguments before sending anything; ``GET`` marks the two exchanges the SDK
never sends (their responses are classified directly). An error class is the one raised: a
kind's ``ResponseError`` form when the hub put the error in a 2xx body (all its refusals here),
its ``StatusError`` form for a non-2xx answer (v2's 400 validation answers). A new recording fails
``test_every_recording_has_an_expectation`` until it is classified here.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from cocalc_async import Client, errors
from cocalc_async._sansio import classify_response

from .replay import ReplayServer, drive, key_of, load_exchanges, target

EXCHANGES = load_exchanges()

# fmt: off
EXPECTED: dict[str, tuple[str, str]] = {
    "flow-async-exec/start": ("ExecResult", "dict"),  # {'stdout': '', 'stderr': '', 'exit_code': 0
    "flow-async-exec/poll-stats": ("ExecResult", "dict"),  # a poll in CoCalc's form: no command
    "flow-async-exec/await": ("ExecResult", "dict"),  # a poll in CoCalc's form: no command
    "flow-async-exec/again": ("ExecResult", "dict"),  # a poll in CoCalc's form: no command
    "flow-collab/exec-before": ("PermissionDeniedResponseError", "PermissionDeniedResponseError"),  # {'error': 'us
    "flow-collab/add": ("StatusResponse", "dict"),  # {'status': 'ok'}
    "flow-collab/list": ("list[Collaborator]", "list[dict]"),  # [{'account_id': '0bac13ae-1de5-485
    "flow-collab/change": ("StatusResponse", "dict"),  # {'status': 'ok'}
    "flow-collab/remove": ("StatusResponse", "dict"),  # {'status': 'ok'}
    "flow-collab/exec-after": ("PermissionDeniedResponseError", "PermissionDeniedResponseError"),  # {'error': 'use
    "flow-collab/conat-add": ("CollaboratorsAdded", "dict"),  # {'project_id': ['44283ea3-a9f9-40ec
    "flow-collab/conat-remove": ("None", "None"),  # None
    "flow-copy/write": ("StatusResponse", "dict"),  # {'status': 'ok'}
    "flow-copy/copy": ("CopyPathStarted", "dict"),  # {'copy_id': ''}
    "flow-copy/status": ("refused:ValueError", "InvalidParametersResponseError"),  # copy_id '': nothing to
    "flow-copy/check": ("str", "str"),  # hello copy
    "flow-copy/copy-wait": ("CopyPathStarted", "dict"),  # {'copy_id': ''}
    "flow-copy/conat-copy": ("None", "None"),  # None
    "flow-copy/check-all": ("ExecResult", "dict"),  # {'type': 'blocking', 'stdout': 'hello copy\nh
    "flow-messages/send": ("MessageSent", "dict"),  # {'status': 'success', 'id': 1}
    "flow-messages/get": ("Messages", "dict"),  # {'status': 'success', 'messages': [{'id': 1, 'sub
    "flow-messages/conat-send": ("int", "int"),  # 2
    "flow-project-life/create": ("ProjectCreated", "dict"),  # {'project_id': '378bfa13-c67c-4307-8
    "flow-project-life/start": ("StatusResponse", "dict"),  # {'status': 'ok'}
    "flow-project-life/state": ("ProjectState", "dict"),  # {'ip': '127.0.0.1', 'state': 'running',
    "flow-project-life/exec": ("ExecResult", "dict"),  # {'stdout': 'life\n', 'stderr': '', 'exit_c
    "flow-project-life/stop": ("StatusResponse", "dict"),  # {'status': 'ok'}
    "flow-project-life/state-stopped": ("ProjectState", "dict"),  # {'ip': '127.0.0.1', 'state': 'o
    "flow-project-life/delete": ("StatusResponse", "dict"),  # {'status': 'ok'}
    "flow-project-life/restore": ("StatusResponse", "dict"),  # {'status': 'ok'}
    "flow-project-life/conat-delete": ("None", "None"),  # None
    "flow-signin/signin": ("SignedIn", "dict"),  # {'account_id': '2bcb6f2f-507b-4dbb-aa96-4306d63e
    "hub-create": ("str", "str"),  # 7e8502a0-44c4-4e47-ab50-79c9655f47d4
    "hub-db-uq": ("dict", "dict"),  # {'accounts': {'account_id': '7758061c-3f97-4975-81c9-74765420
    "hub-get-names": ("dict[AccountName]", "dict"),  # {'7758061c-3f97-4975-81c9-747654206aad': {'f
    "hub-jupyter-kernels": ("APIResponseError", "APIResponseError"),  # {'error': 'Error: Jupyter API i
    "hub-messages-get": ("list", "list"),  # []
    "hub-org-getall": ("PermissionDeniedResponseError", "PermissionDeniedResponseError"),  # {'error': 'Error: must
    "hub-ping-badkey": ("AuthenticationResponseError", "AuthenticationResponseError"),  # {'error': 'must be signed
    "hub-ping-noargs": ("ConatPong", "dict"),  # {'now': 1796303945720}
    "hub-ping-nokey": ("AuthenticationResponseError", "AuthenticationResponseError"),  # {'error': 'You must provid
    "hub-ping": ("ConatPong", "dict"),  # {'now': 1796303942354}
    "hub-state": ("ProjectState", "dict"),  # {'ip': '127.0.0.1', 'state': 'running', 'time': '2026
    "hub-status": ("ProjectStatus", "dict"),  # {'project.pid': 14546, 'hub-server.port': 41263, 'b
    "hub-test-stranger": ("ConatWhoAmI", "dict"),  # {'account_id': '0bac13ae-1de5-485a-a214-fe723e
    "hub-test": ("ConatWhoAmI", "dict"),  # {'account_id': '7758061c-3f97-4975-81c9-747654206aad',
    "hub-touch": ("None", "None"),  # None
    "hub-user-search": ("list[AccountSearchHit]", "list[dict]"),  # [{'account_id': '2bcb6f2f-507b-
    "prj-exec-args": ("ExecResult", "dict"),  # {'type': 'blocking', 'stdout': 'x y\n', 'stderr': '
    "prj-exec-badkey": ("AuthenticationResponseError", "AuthenticationResponseError"),  # {'error': 'must sign in a
    "prj-exec-collab": ("ExecResult", "dict"),  # {'type': 'blocking', 'stdout': 'c\n', 'stderr': '
    "prj-exec-noerr": ("ExecResult", "dict"),  # err_on_exit=False: see PENDING
    "prj-exec-nokey": ("AuthenticationResponseError", "AuthenticationResponseError"),  # {'error': 'You must provid
    "prj-exec-stranger": ("PermissionDeniedResponseError", "PermissionDeniedResponseError"),  # {'error': 'user mus
    "prj-exec": ("ExecResult", "dict"),  # {'type': 'blocking', 'stdout': 'via-conat\n', 'stderr':
    "prj-listing": ("list[DirectoryEntry]", "list[dict]"),  # [{'name': 'conat.txt', 'mtime': 17963
    "prj-ping-p2": ("ConatPong", "dict"),  # {'now': 1796303957619}
    "prj-ping": ("ConatPong", "dict"),  # {'now': 1796303953981}
    "prj-read": ("str", "str"),  # hello
    "prj-test": ("ConatWhoAmI", "dict"),  # {'project_id': 'b08f73f5-f616-4ba3-b143-3a40214dd8c0',
    "prj-write": ("None", "None"),  # None
    "v1-add-collab": ("EndpointNotServedError", "EndpointNotServedError"),  # <!DOCTYPE html><html
    "v1-copy-status": ("EndpointNotServedError", "EndpointNotServedError"),  # <!DOCTYPE html><html
    "v1-copy": ("EndpointNotServedError", "EndpointNotServedError"),  # <!DOCTYPE html><html lang='
    "v1-create-project": ("EndpointNotServedError", "EndpointNotServedError"),  # <!DOCTYPE html><h
    "v1-exec": ("EndpointNotServedError", "EndpointNotServedError"),  # <!DOCTYPE html><html lang='
    "v1-get-usernames": ("EndpointNotServedError", "EndpointNotServedError"),  # <!DOCTYPE html><ht
    "v1-ping-get": ("GET", "EndpointNotServedError"),  # the SDK never GETs; classified
    "v1-ping-nokey": ("EndpointNotServedError", "EndpointNotServedError"),  # <!DOCTYPE html><html
    "v1-ping": ("EndpointNotServedError", "EndpointNotServedError"),  # <!DOCTYPE html><html lang='
    "v1-query": ("EndpointNotServedError", "EndpointNotServedError"),  # <!DOCTYPE html><html lang=
    "v1-read": ("EndpointNotServedError", "EndpointNotServedError"),  # <!DOCTYPE html><html lang='
    "v1-user-search": ("EndpointNotServedError", "EndpointNotServedError"),  # <!DOCTYPE html><html
    "v1-write": ("EndpointNotServedError", "EndpointNotServedError"),  # <!DOCTYPE html><html lang=
    "v2-acct-get-names-nokey": ("AuthenticationResponseError", "AuthenticationResponseError"),  # {'error': 'must b
    "v2-acct-get-names": ("AccountNames", "dict"),  # {'names': {'2bcb6f2f-507b-4dbb-aa96-4306d63e2
    "v2-acct-profile-other": ("ProfileResponse", "dict"),  # {'profile': {'account_id': '2bcb6f2f-5
    "v2-acct-profile-own": ("ProfileResponse", "dict"),  # {'profile': {'account_id': '7758061c-3f9
    "v2-acct-search-nokey": ("list", "list"),  # []
    "v2-acct-search": ("list[AccountSearchHit]", "list[dict]"),  # [{'account_id': '2bcb6f2f-507b-4
    "v2-acct-set-name": ("StatusResponse", "dict"),  # {'status': 'success'}
    "v2-auth-password-strength": ("BadRequestError", "BadRequestError"),  # {'error': 'Password mus
    "v2-auth-requires-token": ("bool", "bool"),  # False
    "v2-auth-sso": ("list", "list"),  # []
    "v2-bill-get-customer": ("dict", "dict"),  # {}
    "v2-bill-get-invoices-and-receipts": ("dict", "dict"),  # {'data': []}
    "v2-bill-get-subscriptions": ("dict", "dict"),  # {}
    "v2-collab-list": ("list[Collaborator]", "list[dict]"),  # [{'account_id': '2bcb6f2f-507b-4dbb-
    "v2-comp-get-images": ("APIResponseError", "APIResponseError"),  # {'error': 'fetch failed'}
    "v2-comp-get-servers-by-id": ("list", "list"),  # []
    "v2-comp-get-servers-nokey": ("AuthenticationResponseError", "AuthenticationResponseError"),  # {'error': 'must
    "v2-comp-get-servers-project": ("list", "list"),  # []
    "v2-comp-get-servers": ("list", "list"),  # []
    "v2-comp-get-templates": ("APIResponseError", "APIResponseError"),  # {'error': 'fetch failed'}
    "v2-copy-status-nokey": ("AuthenticationResponseError", "AuthenticationResponseError"),  # {'error': 'must be s
    "v2-copy-status-random": ("NotFoundResponseError", "NotFoundResponseError"),  # {'error': 'copy_id not found'}
    "v2-customize": ("dict", "dict"),  # {'siteName': 'Open CoCalc', 'siteDescription': 'Collaborat
    "v2-exec-args": ("ExecResult", "dict"),  # {'stdout': 'a b c\n', 'stderr': '', 'exit_code': 0,
    "v2-exec-badkey": ("AuthenticationResponseError", "AuthenticationResponseError"),  # {'error': 'must be signed
    "v2-exec-collab": ("ExecResult", "dict"),  # {'stdout': 'collab\n', 'stderr': '', 'exit_code':
    "v2-exec-echo": ("ExecResult", "dict"),  # {'stdout': 'hello\n', 'stderr': 'oops\n', 'exit_code
    "v2-exec-env": ("ExecResult", "dict"),  # {'stdout': 'bar\n', 'stderr': '', 'exit_code': 0, 'ty
    "v2-exec-exit3-noerr": ("ExecResult", "dict"),  # {'stdout': '', 'stderr': '', 'exit_code': 3,
    "v2-exec-nokey": ("AuthenticationResponseError", "AuthenticationResponseError"),  # {'error': 'must be signed i
    "v2-exec-nonexistent": ("PermissionDeniedResponseError", "PermissionDeniedResponseError"),  # {'error': 'user m
    "v2-exec-path": ("ExecResult", "dict"),  # {'stdout': 'rec\n', 'stderr': '', 'exit_code': 0, 't
    "v2-exec-stranger": ("PermissionDeniedResponseError", "PermissionDeniedResponseError"),  # {'error': 'user must
    "v2-index": ("GET", "ResponseDecodeError"),  # the API's HTML index page, not JSON
    "v2-jupyter-kernels-p1": ("JupyterKernels", "dict"),  # {'kernels': [], 'success': True}
    "v2-jupyter-kernels": ("APIResponseError", "APIResponseError"),  # {'error': 'Jupyter API is not en
    "v2-keys-get": ("ApiKeysResponse", "dict"),  # {'response': [{'id': 2, 'account_id': '7758061c-
    "v2-keys-nokey": ("AuthenticationResponseError", "AuthenticationResponseError"),  # {'error': 'must be signed i
    "v2-licenses-get-managed": ("list", "list"),  # []
    "v2-messages-get": ("Messages", "dict"),  # {'status': 'success', 'messages': []}
    "v2-news-list": ("list", "list"),  # []
    "v2-projects-create-badkey": ("AuthenticationResponseError", "AuthenticationResponseError"),  # {'error': 'user
    "v2-projects-create-nokey": ("AuthenticationResponseError", "AuthenticationResponseError"),  # {'error': 'user
    "v2-projects-create": ("ProjectCreated", "dict"),  # {'project_id': '4cfaeec6-457c-4914-b630-28
    "v2-projects-delete-stranger": ("PermissionDeniedResponseError", "PermissionDeniedResponseError"),  # {'error':
    "v2-projects-get-nokey": ("AuthenticationResponseError", "AuthenticationResponseError"),  # {'error': 'Must be
    "v2-projects-get": ("list[ProjectSummary]", "list[dict]"),  # [{'project_id': '95c36920-f88a-40
    "v2-projects-start-nokey": ("AuthenticationResponseError", "AuthenticationResponseError"),  # {'error': 'must b
    "v2-projects-start-nonexistent": ("PermissionDeniedResponseError", "PermissionDeniedResponseError"),  # {'error
    "v2-projects-start-stranger": ("PermissionDeniedResponseError", "PermissionDeniedResponseError"),  # {'error':
    "v2-projects-start": ("StatusResponse", "dict"),  # {'status': 'ok'}
    "v2-projects-touch": ("StatusResponse", "dict"),  # {}
    "v2-projects-update": ("StatusResponse", "dict"),  # {'status': 'ok'}
    "v2-projects-write": ("StatusResponse", "dict"),  # {'status': 'ok'}
    "v2-purch-get-balance-nokey": ("AuthenticationResponseError", "AuthenticationResponseError"),  # {'error': 'mus
    "v2-purch-get-balance": ("int", "int"),  # 0
    "v2-purch-get-charges-by-service": ("dict", "dict"),  # {}
    "v2-purch-get-closing-dates": ("dict", "dict"),  # {'last': '2026-11-16T00:00:00.000Z', 'next':
    "v2-purch-get-cost-per-day": ("list", "list"),  # []
    "v2-purch-get-live-subscriptions": ("list", "list"),  # []
    "v2-purch-get-max-project-quotas": ("dict", "dict"),  # {'network': 1, 'member_host': 1, 'alway
    "v2-purch-get-min-balance": ("int", "int"),  # 0
    "v2-purch-get-purchases": ("dict", "dict"),  # {'purchases': [], 'balance': 0}
    "v2-purch-get-quotas": ("dict", "dict"),  # {'services': {}, 'minBalance': 0}
    "v2-purch-get-service-cost": ("float", "float"),  # 2.5
    "v2-purch-get-spend-rate": ("int", "int"),  # 0
    "v2-purch-get-statements": ("list", "list"),  # []
    "v2-purch-get-stripe-publishable-key": ("dict", "dict"),  # {'stripe_publishable_key': ''}
    "v2-purch-get-subscriptions": ("list", "list"),  # []
    "v2-purch-get-unpaid-invoices": ("list", "list"),  # []
    "v2-purch-is-purchase-allowed": ("dict", "dict"),  # {'allowed': False, 'reason': 'must credit
    "v2-shopping-cart-get": ("list", "list"),  # []
    "v2-support-tickets": ("APIResponseError", "APIResponseError"),  # {'error': 'Support not available
    "v2-unknown-route": ("no-coroutine", "EndpointNotServedError"),  # <!DOCTYPE html><html lang='e
    "v2-uq-accounts": ("QueryResult", "dict"),  # {'query': {'accounts': {'account_id': '7758061c-3
    "v2-uq-project": ("QueryResult", "dict"),  # {'query': {'projects': {'project_id': 'b08f73f5-f6
    "v2-uq-projects-all": ("QueryResult", "dict"),  # {'query': {'projects': [{'project_id': 'b08f7
    "v2-uq-set-name": ("QueryResult", "dict"),  # {'query': {}}
    "v2-vouchers-recent": ("list", "list"),  # []
}
# fmt: on

BATCH = "recorded-2026-12-03"

#: The second recording (``tests/samples/real/recorded-2026-12-03/``), keyed without the folder.
# fmt: off
EXPECTED_BATCH: dict[str, tuple[str, str]] = {
    "flow-conat-add-collab/add": ("CollaboratorsAdded", "dict"),  # instructor {'project_id': ['56f
    "flow-conat-add-collab/add-again": ("CollaboratorsAdded", "dict"),  # instructor {'project_id':
    "flow-conat-add-collab/add-many": ("CollaboratorsAdded", "dict"),  # instructor {'project_id':
    "flow-conat-add-collab/add-nonexistent-account": ("CollaboratorsAdded", "dict"),  # instructor
    "flow-conat-add-collab/add-by-stranger": ("CollaboratorsAdded", "dict"),  # collaborator {'proj
    "flow-conat-add-collab/list": ("list[Collaborator]", "list[dict]"),  # instructor [{'account_id
    "flow-conat-add-collab/remove-stranger": ("None", "None"),  # instructor None
    "flow-conat-add-collab/remove-collaborator": ("None", "None"),  # instructor None
    "flow-conat-add-collab/remove-admin": ("None", "None"),  # instructor None
    "flow-conat-delete/create": ("str", "str"),  # instructor a48b6ce8-c216-4cab-b7ef-bee1e29e715a
    "flow-conat-delete/delete-stranger": ("PermissionDeniedResponseError", "PermissionDeniedResponseError"),
    "flow-conat-delete/delete": ("None", "None"),  # instructor None
    "flow-conat-delete/state-after": ("ProjectState", "dict"),  # instructor {'ip': '127.0.0.1', 's
    "flow-conat-delete/uq-after": ("dict", "dict"),  # instructor {'projects': {'project_id': 'a48b
    "flow-conat-delete/delete-again": ("None", "None"),  # instructor None
    "flow-conat-delete/delete-nonexistent": ("PermissionDeniedResponseError", "PermissionDeniedResponseError"),
    "flow-course-instructor/prep": ("ExecResult", "dict"),  # instructor {'stdout': 'README.txt\nhw
    "flow-course-instructor/search": ("list[AccountSearchHit]", "list[dict]"),  # instructor [{'acc
    "flow-course-instructor/search-unknown": ("list", "list"),  # instructor []
    "flow-course-instructor/create": ("ProjectCreated", "dict"),  # instructor {'project_id': 'daf4
    "flow-course-instructor/add": ("StatusResponse", "dict"),  # instructor {'status': 'ok'}
    "flow-course-instructor/start": ("StatusResponse", "dict"),  # instructor {'status': 'ok'}
    "flow-course-instructor/copy-out": ("CopyPathStarted", "dict"),  # instructor {'copy_id': ''}
    "flow-course-instructor/check": ("ExecResult", "dict"),  # instructor {'stdout': '5\ndo it\n',
    "flow-course-instructor/student-works": ("ExecResult", "dict"),  # stranger {'stdout': 'def f()
    "flow-course-instructor/copy-back": ("CopyPathStarted", "dict"),  # instructor {'copy_id': ''}
    "flow-course-instructor/verify": ("ExecResult", "dict"),  # instructor {'stdout': 'def f():\n
    "flow-course-instructor/copy-no-access": ("PermissionDeniedResponseError", "PermissionDeniedResponseError"),
    "flow-course-instructor/signup-instructor": ("SignUpError", "SignUpError"),  # instructor {'iss
    "flow-course-instructor/signup-weak": ("SignUpError", "SignUpError"),  # instructor {'issues':
    "flow-course-instructor/invite-by-email": ("None", "None"),  # instructor None
    "flow-course-instructor/list": ("list[Collaborator]", "list[dict]"),  # instructor [{'account_i
    "flow-exec-async-90s-timeout300/prep": ("ExecResult", "dict"),  # instructor {'stdout': 'ok\n',
    "flow-exec-async-90s-timeout300/start": ("ExecResult", "dict"),  # instructor {'stdout': '', 's
    "flow-exec-async-90s-timeout300/await-1": ("ProjectCallTimeoutError", "ProjectCallTimeoutError"),  # instructor {
    "flow-exec-async-90s-timeout300/await-2": ("ExecResult", "dict"),  # instructor {'stdout': 'don
    "flow-exec-async-90s-timeout300/count": ("ExecResult", "dict"),  # instructor {'stdout': '1\n',
    "flow-exec-async-90s/prep": ("ExecResult", "dict"),  # instructor {'stdout': 'ok\n', 'stderr':
    "flow-exec-async-90s/start": ("ExecResult", "dict"),  # instructor {'stdout': '', 'stderr': '',
    "flow-exec-async-90s/await-1": ("ExecResult", "dict"),  # instructor {'stdout': '', 'stderr': '
    "flow-exec-async-90s/again": ("ExecResult", "dict"),  # instructor {'stdout': '', 'stderr': 'ki
    "flow-exec-async-90s/count": ("ExecResult", "dict"),  # instructor {'stdout': '1\n', 'stderr':
    "flow-exec-async-poll-with-command-short/prep": ("ExecResult", "dict"),  # instructor {'stdout'
    "flow-exec-async-poll-with-command-short/start": ("ExecResult", "dict"),  # instructor {'stdout
    "flow-exec-async-poll-with-command-short/get-with-command": ("ExecResult", "dict"),
    "flow-exec-async-poll-with-command-short/await-with-command": ("ExecResult", "dict"),
    "flow-exec-async-poll-with-command-short/count": ("ExecResult", "dict"),  # instructor {'stdout
    "flow-exec-async-poll-with-command/prep": ("ExecResult", "dict"),  # instructor {'stdout': 'ok\
    "flow-exec-async-poll-with-command/start": ("ExecResult", "dict"),  # instructor {'stdout': '',
    "flow-exec-async-poll-with-command/await-1": ("ProjectCallTimeoutError", "ProjectCallTimeoutError"),  # instructo
    "flow-exec-async-poll-with-command/await-2": ("ProjectCallTimeoutError", "ProjectCallTimeoutError"),  # instructo
    "flow-exec-async-poll-with-command/await-3": ("ProjectCallTimeoutError", "ProjectCallTimeoutError"),  # instructo
    "flow-exec-async-poll-with-command/await-4": ("ProjectCallTimeoutError", "ProjectCallTimeoutError"),  # instructo
    "flow-exec-async-poll-with-command/await-5": ("ProjectCallTimeoutError", "ProjectCallTimeoutError"),  # instructo
    "flow-exec-async-poll-with-command/count": ("ExecResult", "dict"),  # instructor {'stdout': '6\
    "flow-invite-existing/invite": ("None", "None"),  # instructor None
    "flow-invite-existing/list": ("list[Collaborator]", "list[dict]"),  # instructor [{'account_id'
    "flow-invite-existing/invite-email": ("None", "None"),  # instructor None
    "flow-invite-existing/invite-by-stranger": ("PermissionDeniedResponseError", "PermissionDeniedResponseError"),
    "flow-invite-existing/remove-stranger": ("None", "None"),  # instructor None
    "flow-invite-existing/remove-collab": ("None", "None"),  # instructor None
    "flow-invite/invite-noaccount": ("None", "None"),  # instructor None
    "flow-invite/invite-noaccount-again": ("None", "None"),  # instructor None
    "flow-invite/invite-bademail": ("InvalidParametersResponseError", "InvalidParametersResponseError"),
    "flow-invite/invite-stranger-caller": ("PermissionDeniedResponseError", "PermissionDeniedResponseError"),
    "flow-invite/invite-existing-email": ("None", "None"),  # instructor None
    "flow-invite/list-after-existing": ("list[Collaborator]", "list[dict]"),  # instructor [{'accou
    "flow-invite/remove-stranger": ("StatusResponse", "dict"),  # instructor {'status': 'ok'}
    "flow-invite/uq-invite": ("dict", "dict"),  # instructor {'projects': {'project_id': '56f12e8c-
    "flow-invite/signup-invited": ("SignedIn", "dict"),  # admin {'account_id': '19edd131-32fa-4f23
    "flow-invite/list-after-signup": ("list[Collaborator]", "list[dict]"),  # instructor [{'account
    "flow-prj-exec-async/prep": ("ExecResult", "dict"),  # instructor {'type': 'blocking', 'stdout'
    "flow-prj-exec-async/start": ("ExecResult", "dict"),  # instructor {'type': 'async', 'stdout':
    "flow-prj-exec-async/get": ("ExecResult", "dict"),  # instructor {'type': 'async', 'stdout': ''
    "flow-prj-exec-async/await-bridge-default": ("BridgeTimeoutError", "BridgeTimeoutError"),
    "flow-prj-exec-async/await-timeout": ("ExecResult", "dict"),  # instructor {'type': 'async', 's
    "flow-prj-exec-async/count": ("ExecResult", "dict"),  # instructor {'type': 'blocking', 'stdout
    "flow-prj-exec-async/get-unknown": ("NotFoundResponseError", "NotFoundResponseError"),  # instructor {'error'
    "flow-prj-signal/start": ("ExecResult", "dict"),  # instructor {'type': 'async', 'stdout': '',
    "flow-prj-signal/signal": ("None", "None"),  # instructor None
    "flow-prj-signal/get": ("ExecResult", "dict"),  # instructor {'type': 'async', 'stdout': '', 's
    "flow-prj-signal/signal-gone": ("APIResponseError", "APIResponseError"),  # instructor {'error': 'E
    "flow-prj-signal/signal-pids": ("APIResponseError", "APIResponseError"),  # instructor {'error': 'E
    "flow-prj-signal/start-kill": ("ExecResult", "dict"),  # instructor {'type': 'async', 'stdout':
    "flow-prj-signal/kill": ("None", "None"),  # instructor None
    "flow-prj-signal/get-killed": ("ExecResult", "dict"),  # instructor {'type': 'async', 'stdout':
    "flow-prj-signal/signal-collab": ("APIResponseError", "APIResponseError"),  # collaborator {'error'
    "flow-prj-signal/signal-stranger": ("PermissionDeniedResponseError", "PermissionDeniedResponseError"),
    "hub-state-p2": ("ProjectState", "dict"),  # instructor {'ip': '127.0.0.1', 'state': 'opened',
    "hub-status-nonexistent": ("PermissionDeniedResponseError", "PermissionDeniedResponseError"),  # instructor {'e
    "hub-status-p2": ("ProjectStatus", "dict"),  # instructor {}
    "hub-status-stranger": ("PermissionDeniedResponseError", "PermissionDeniedResponseError"),  # stranger {'error'
    "hub-uq-badtable": ("APIResponseError", "APIResponseError"),  # instructor {'error': 'FATAL: get qu
    "hub-uq-list": ("dict", "dict"),  # instructor {'projects': [{'project_id': 'a48b6ce8-c216-4cab
    "hub-uq-options": ("dict", "dict"),  # instructor {'projects': [{'project_id': 'a48b6ce8-c216-4
    "hub-uq-projects-p1": ("dict", "dict"),  # instructor {'projects': {'project_id': '9a78d766-498
    "hub-uq-set-title": ("dict", "dict"),  # instructor {}
    "hub-uq-stranger": ("PermissionDeniedResponseError", "PermissionDeniedResponseError"),  # see PENDING
    "prj-exec-20s-body-timeout-noargs": ("ExecResult", "dict"),  # instructor {'type': 'blocking',
    "prj-exec-20s-body-timeout": ("ExecResult", "dict"),  # instructor {'type': 'blocking', 'stdout
    "prj-exec-20s-nobody-timeout": ("BridgeTimeoutError", "BridgeTimeoutError"),  # instructor {'er
    "prj-exec-args-timeout-2": ("APIResponseError", "APIResponseError"),  # instructor {'error': 'kille
    "prj-exec-err-on-exit-false": ("ExecResult", "dict"),  # instructor {'type': 'blocking', 'stdou
    "prj-exec-err-on-exit-true": ("APIResponseError", "APIResponseError"),  # instructor {'error': 'com
    "prj-signal-later-signal": ("ExecResult", "dict"),  # instructor {'type': 'async', 'stdout': ''
    "prj-signal-later-signal9": ("ExecResult", "dict"),  # instructor {'type': 'async', 'stdout': '
    "prj-signal-orphans": ("ExecResult", "dict"),  # instructor {'type': 'blocking', 'stdout': '2\n
    "v2-valid-collab-add-no-account": ("refused:TypeError", "InvalidParametersStatusError"),  # instructo
    "v2-valid-collab-change-bad-group": ("refused:ValueError", "InvalidParametersStatusError"),
    "v2-valid-collab-remove-bad-uuid": ("refused:ValueError", "InvalidParametersStatusError"),
    "v2-valid-copy-path-no-path": ("refused:TypeError", "InvalidParametersResponseError"),  # instructor {'
    "v2-valid-copy-path-no-target": ("refused:TypeError", "InvalidParametersResponseError"),  # instructor
    "v2-valid-exec-args-not-list": ("refused:TypeError", "InvalidParametersStatusError"),  # instructor {
    "v2-valid-exec-async-get-no-stats": ("InvalidParametersStatusError", "InvalidParametersStatusError"),
    "v2-valid-exec-async-get-number": ("refused:TypeError", "InvalidParametersStatusError"),  # instructo
    "v2-valid-exec-bad-project-id": ("refused:ValueError", "InvalidParametersStatusError"),  # instructor
    "v2-valid-exec-no-command": ("refused:TypeError", "InvalidParametersStatusError"),  # instructor {'me
    "v2-valid-exec-nokey-invalid": ("refused:TypeError", "InvalidParametersStatusError"),  # none {'messa
    "v2-valid-exec-timeout-abc": ("refused:TypeError", "InvalidParametersStatusError"),  # instructor {'m
    "v2-valid-exec-timeout-negative": ("refused:ValueError", "InvalidParametersStatusError"),
    "v2-valid-exec-timeout-zero": ("refused:ValueError", "dict"),  # the SDK refuses 0; this hub ra
    "v2-valid-latex-no-path": ("refused:TypeError", "InvalidParametersStatusError"),  # instructor {'mess
    "v2-valid-projects-create-title-number": ("refused:TypeError", "dict"),  # instructor {'project
    "v2-valid-projects-start-no-id": ("refused:TypeError", "InvalidParametersStatusError"),  # instructor
    "v2-valid-projects-update-title-number": ("refused:TypeError", "InvalidParametersStatusError"),
    "v2-valid-search-no-query": ("refused:TypeError", "InvalidParametersStatusError"),  # instructor {'me
    "v2-valid-sign-up-terms-string": ("refused:TypeError", "InvalidParametersStatusError"),  # admin {'me
    "v2-valid-user-query-string": ("refused:TypeError", "InvalidParametersResponseError"),  # instructor {'
}
# fmt: on
EXPECTED.update({f"{BATCH}/{k}": v for k, v in EXPECTED_BATCH.items()})

#: Expectations the SDK does not meet yet, with the reason; each must fail until it does (strict).
PENDING: dict[str, str] = {}  # every expectation is met today

#: Recorded requests the generated coroutines send differently, and why that is harmless.
EXPLAINED_BODY_DIFFERENCES: dict[str, str] = {
    "hub-org-getall": "the recording sent args [{}] (the official client's form); the SDK sends"
    " a parameterless function args [], as CoCalc's own client does (the function ignores both)",
    "hub-ping-noargs": "the recording left args out; the SDK sends args [], as CoCalc's own"
    " client does (the bridge defaults a missing args to [])",
}
EXPLAINED_BODY_DIFFERENCES.update(
    {
        f"{BATCH}/{name}": "the SDK also sends the bridge a timeout past the command's own, which"
        " the bridge would otherwise cut at 15 s (as it did here: code 408)"
        for name in ("prj-exec-20s-nobody-timeout", "prj-exec-args-timeout-2")
    }
)


@pytest.fixture
async def server(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[ReplayServer]:
    monkeypatch.delenv("COCALC_API_KEY", raising=False)  # role "none" must send no key
    monkeypatch.delenv("COCALC_API_KEY_FILE", raising=False)
    s = await ReplayServer().start()
    try:
        yield s
    finally:
        await s.stop()


#: Later recordings (in sub-folders, e.g. ``recorded-2026-12-03/``) not yet classified by hand.
UNLISTED = sorted(i for i in set(EXCHANGES) - set(EXPECTED) if EXCHANGES[i]["method"] == "POST")


def test_every_recording_has_an_expectation() -> None:
    top_level = {i for i in EXCHANGES if not EXCHANGES[i].get("_batch")}
    assert len(top_level) >= 150
    assert sorted(top_level - set(EXPECTED)) == []
    assert sorted(set(EXPECTED) - set(EXCHANGES)) == []


@pytest.mark.parametrize("exchange_id", UNLISTED or ["(none)"])
async def test_a_later_recording_parses_into_a_model_or_a_typed_error(
    server: ReplayServer, exchange_id: str, request: pytest.FixtureRequest
) -> None:
    """Until a row is written for it: no recorded answer breaks the models or the classifier."""
    if exchange_id == "(none)":
        pytest.skip("every recording is classified in EXPECTED")
    if exchange_id in PENDING:
        request.applymarker(pytest.mark.xfail(reason=PENDING[exchange_id], strict=True))
    generated, raw = await drive(server, EXCHANGES[exchange_id])
    for outcome in (generated, raw):
        assert outcome not in ("ResponseValidationError", "ResponseDecodeError"), outcome


@pytest.mark.parametrize("exchange_id", sorted(i for i in EXPECTED if EXPECTED[i][0] != "GET"))
async def test_a_recorded_exchange_classifies_as_expected(
    server: ReplayServer, exchange_id: str, request: pytest.FixtureRequest
) -> None:
    if exchange_id in PENDING:
        request.applymarker(pytest.mark.xfail(reason=PENDING[exchange_id], strict=True))
    ex = EXCHANGES[exchange_id]
    generated, raw = await drive(server, ex)
    assert (generated, raw) == EXPECTED[exchange_id]
    # the recorded role's key (or none) went out, and the recorded request was sent as recorded
    method, path, body, auth = server.received[0]
    assert (method, path) == (ex["method"], ex["path"])
    assert (auth is None) == (key_of(ex["role"]) is None)
    sent_by_coroutine = not generated.startswith(("refused:", "no-coroutine"))
    if sent_by_coroutine and exchange_id not in EXPLAINED_BODY_DIFFERENCES:
        assert body == ex["request_body"]


@pytest.mark.parametrize("exchange_id", sorted(i for i in EXPECTED if EXPECTED[i][0] == "GET"))
def test_an_exchange_the_sdk_never_sends_still_classifies(exchange_id: str) -> None:
    ex = EXCHANGES[exchange_id]
    api, path, _ = target(ex)
    body = (
        json.dumps(ex["response_body"]) if ex["response_kind"] == "json" else ex["response_body"]
    ).encode()
    headers = {"Content-Type": ex["content_type"]}
    expected = EXPECTED[exchange_id][1]
    if expected.endswith("Error"):
        with pytest.raises(getattr(errors, expected)):
            classify_response(api, path, ex["status"], headers, body)
    else:
        assert type(classify_response(api, path, ex["status"], headers, body)).__name__ == expected


def test_the_errors_named_carry_the_servers_text() -> None:
    # A few rows spelled out, so that a table edit cannot hide a regression of the headline cases.
    assert EXPECTED["v2-uq-accounts"][0] == "QueryResult"
    assert EXPECTED["v1-ping"][0] == "EndpointNotServedError"
    assert EXPECTED["v2-exec-stranger"][0] == "PermissionDeniedResponseError"
    assert EXPECTED["hub-ping-badkey"][0] == "AuthenticationResponseError"
    assert EXPECTED["v2-projects-create-badkey"][0] == "AuthenticationResponseError"


async def test_the_recorded_async_exec_flow_through_exec_job(server: ReplayServer) -> None:
    """The flow CoCalc's own form was recorded in: start, poll with stats, hanging await."""
    steps = [EXCHANGES[f"flow-async-exec/{s}"] for s in ("start", "poll-stats", "await")]
    server.script = list(steps)
    start = steps[0]["request_body"]
    async with Client(key_of("instructor"), base_url=server.url, max_retries=0) as c:
        job = await c.exec_job(start["project_id"], start["command"], bash=True)
        assert job.job_id == steps[0]["response_body"]["job_id"]
        assert (await job.status(stats=True)).status == "running"
        result = await job.wait(wait_timeout=10)
    assert (result.status, result.stdout) == ("completed", "done-async\n")
    sent = [body for _, _, body, _ in server.received]
    assert sent == [s["request_body"] for s in steps]  # byte for byte CoCalc's own form


async def test_the_latex_failure_recorded_later_is_a_latex_error(server: ReplayServer) -> None:
    # The hub answers a failed compile with no top-level error (src/packages/next/pages/api/v2/
    # latex.ts @5cb3315c30); the SDK turns it into LatexError. The answer's shape is the one the
    # real hub sent (section D5 of the findings), with the project's texts shortened.
    failed = {"event": "error", "error": "latexmk: command not found"}
    server.exchange = {
        "response_kind": "json", "status": 200,
        "content_type": "application/json; charset=utf-8",
        "response_body": {"compile": {**failed, "id": "0ebff323-18f9-4e04-b18b-bdf51ab233f3"},
                          "pdf": failed},
    }  # fmt: skip
    async with Client(key_of("instructor"), base_url=server.url, max_retries=0) as c:
        with pytest.raises(errors.LatexError):
            await c.v2.latex(
                project_id="b08f73f5-f616-4ba3-b143-3a40214dd8c0", path="a.tex", content="x"
            )


def _flow(name: str, steps: tuple[str, ...]) -> list[dict[str, Any]]:
    ids = [f"{BATCH}/{name}/{s}" for s in steps]
    if not all(i in EXCHANGES for i in ids):
        pytest.skip(f"the recording {BATCH}/{name} is not in tests/samples/real/")
    return [EXCHANGES[i] for i in ids]


async def test_a_90_s_job_cut_by_the_real_hub_at_60_s_is_polled_again(
    server: ReplayServer,
) -> None:
    """The hub answered the first hanging poll after 60.1 s with {"error": "undefined"}; the
    second poll got the result; the command ran once (runs5.txt had one line)."""
    steps = _flow("flow-exec-async-90s-timeout300", ("start", "await-1", "await-2"))
    assert steps[1]["response_body"] == {"error": "undefined"}
    server.script = list(steps)
    start = steps[0]["request_body"]
    async with Client(key_of("instructor"), base_url=server.url, max_retries=0) as c:
        job = await c.exec_job(start["project_id"], start["command"], bash=True, exec_timeout=300)
        result = await job.wait(wait_timeout=30)
    assert (result.status, result.stdout) == ("completed", "done\n")
    sent = [body for _, _, body, _ in server.received]
    assert sent == [s["request_body"] for s in steps]  # CoCalc's own form, never the command


async def test_a_conat_job_polled_with_the_bridge_timeout_in_the_body(server: ReplayServer) -> None:
    """Without ``timeout`` in the body the bridge cut the poll at 15 s (code 408); with it the
    poll waited for the result. The SDK always sends it."""
    start, cut, done = _flow(
        "flow-prj-exec-async", ("start", "await-bridge-default", "await-timeout")
    )
    assert "code='408'" in cut["response_body"]["error"]
    server.script = [start, cut, done]  # even a 408 is polled again
    args = start["request_body"]["args"][0]
    async with Client(key_of("instructor"), base_url=server.url, max_retries=0) as c:
        job = await c.exec_job(
            start["request_body"]["project_id"], args["command"], bash=True, via="conat"
        )
        result = await job.wait(wait_timeout=120)
    assert (result.status, result.stdout) == ("completed", "done3\n")
    polls = [body for _, _, body, _ in server.received][1:]
    assert len(polls) == 2
    for body in polls:
        assert body["args"] == done["request_body"]["args"]
        assert body["timeout"] == 50_000  # the slice, in ms


async def test_cancel_signals_the_process_group_the_real_hub_leaves_children_of_a_pid(
    server: ReplayServer,
) -> None:
    """Signalling the job's pid killed bash but left its ``sleep 300`` running, and the job
    said "running" until its time-out: so cancel signals the group (``-pid``)."""
    (start,) = _flow("flow-prj-signal", ("start",))
    orphans = EXCHANGES.get(f"{BATCH}/prj-signal-orphans")
    assert orphans is not None
    assert orphans["response_body"]["stdout"] == "2\n"
    ended = {**start, "response_body": {**start["response_body"], "status": "error"}}
    signalled = {**start, "response_body": None}
    server.script = [start, start, signalled, ended]  # start, fresh status, signal, await
    args = start["request_body"]["args"][0]
    async with Client(key_of("instructor"), base_url=server.url, max_retries=0) as c:
        job = await c.exec_job(
            start["request_body"]["project_id"], args["command"], bash=True, via="conat"
        )
        after = await job.cancel()
    assert after.status == "error"
    signal = server.received[2][2]
    assert signal["name"] == "system.signal"
    assert signal["args"] == [{"signal": 15, "pids": [-start["response_body"]["pid"]]}]
