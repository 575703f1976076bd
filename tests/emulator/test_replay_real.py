"""Every exchange recorded from a real CoCalc hub, replayed against ``Emulator(single_user=True)``.

The recordings come from a hub built from CoCalc 5cb3315c30 in single-user, development mode,
which is what ``single_user=True`` (with the default ``api_validation=True``) reproduces. An
exchange agrees when status, content type, error text (exact) and the answer's shape (values,
except ``volatile`` paths, which compare by type) are the same. The agreement figure is printed;
the test fails when it drops below ``MIN_AGREEMENT`` or when an exchange listed in ``EXCEPTIONS``
(documented in docs/emulator.md) starts to agree, so the list never goes stale.
"""

from __future__ import annotations

import aiohttp

from cocalc_async.testing import Emulator

from .replay import Outcome, World, load_exchanges, replay_one

#: Exchanges that cannot agree, with the reason (each is listed in docs/emulator.md too).
EXCEPTIONS: dict[str, str] = {}

#: The share of exchanges that agreed when this figure was last raised; it may only go up.
MIN_AGREEMENT = 0.0


async def replay_all() -> list[Outcome]:
    context, exchanges = load_exchanges()
    async with Emulator(single_user=True) as emu, aiohttp.ClientSession() as session:
        world = World.build(emu, context)
        return [await replay_one(world, session, ex) for ex in exchanges]


async def test_the_emulator_agrees_with_the_recorded_hub() -> None:
    outcomes = await replay_all()
    assert len(outcomes) >= 129  # every recording was found and replayed
    agreeing = [o for o in outcomes if o.agrees]
    figure = len(agreeing) / len(outcomes)
    print(f"\nagreement with the real hub: {len(agreeing)} of {len(outcomes)} ({figure:.1%})")
    unexplained = [o for o in outcomes if not o.agrees and o.id not in EXCEPTIONS]
    for o in unexplained:
        print(f"  DIFFERS {o.id}: " + "; ".join(o.problems[:4]))
    now_agree = sorted(o.id for o in agreeing if o.id in EXCEPTIONS)
    assert now_agree == [], "listed as exceptions but agree now: remove them"
    assert figure >= MIN_AGREEMENT
