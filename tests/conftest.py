"""Suite-wide set-up."""

# Imported here, at a shallow stack, rather than first by hypothesis's own pytest plugin at the
# end of a run that used no hypothesis test: on CPython 3.11.7 pytest's assertion rewriter then
# parses hypothesis deep in the hook stack and CPython raises "AST constructor recursion depth
# mismatch" (fixed in 3.11.8), which turns a green run into exit code 1.
import hypothesis  # noqa: F401
