"""Result models: frozen, slotted attrs classes, one module per family.

Every model tolerates extra keys (v1 replies carry ``event`` and ``id``; servers add fields over
time). They are filled in by the one converter in ``cocalc_async._convert``.
"""
