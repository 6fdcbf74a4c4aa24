"""A branch's rules: its policy and its compatibility overrides, read in one statement.

Every write needs both, the pipeline's guard the policy and its compatibility gate the modes:
the guard reads them (:func:`rules_of`) and the pipeline hands them on to the gate, so a write
reads them once. Raw SQL, as on the store's other hot paths: building the two ORM queries cost
a write more than the lookup itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection

from branches.models import BranchPolicy, CompatibilityOverride

POLICY, OVERRIDE = BranchPolicy._meta.db_table, CompatibilityOverride._meta.db_table
DEFAULT = BranchPolicy(branch="")  # what a branch without a policy row has


@dataclass(frozen=True)
class Rules:
    """What a branch's policy and overrides say (a branch without a policy row: the defaults)."""

    branch: str
    protected: bool = DEFAULT.protected
    compatibility_mode: str = DEFAULT.compatibility_mode
    overrides: dict[tuple[str, str], str] = field(default_factory=dict)  # (scope, name) -> mode

    def allows(self, actor: object, door: str) -> bool:
        """Whether the policy lets ``actor`` through ``door`` (``BranchPolicy.allows``)."""
        return BranchPolicy(branch=self.branch, protected=self.protected).allows(actor, door)


def rules_of(branch: str) -> Rules:
    """The branch's rules as they are committed now."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.protected, p.compatibility_mode, o.scope, o.name, o.mode "
            f"FROM (SELECT %s AS branch) b "
            f"LEFT JOIN {POLICY} p ON p.branch = b.branch "
            f"LEFT JOIN {OVERRIDE} o ON o.branch = b.branch",
            [branch],
        )
        rows = cursor.fetchall()
    protected, mode = rows[0][:2]
    if mode is None:  # no policy row
        protected, mode = DEFAULT.protected, DEFAULT.compatibility_mode
    return Rules(
        branch,
        protected=bool(protected),
        compatibility_mode=mode,
        overrides={(scope, name): m for _, _, scope, name, m in rows if scope is not None},
    )
