"""The four concerns of a tender design. Each module's `add(model)` adds its own variables,
constraints and objective terms to an AwardModel, switched on, bounded and weighted by the
configuration. A new concern is a new module listed here."""

from . import continuity, coverage, cost, stability

PRE_SKELETON = [coverage.narrow]  # narrow the eligible (lot, provider) pairs before variables exist
CONCERNS = [cost.add, continuity.add, stability.add, coverage.add]
