"""The lint rules, one module each: this table is the whole list (a new rule is added here)."""

from constc.lint.rules import (
    l001_duplicate_id,
    l002_id_format,
    l003_priority,
    l004_priority_tie,
    l005_precedence_cycle,
    l006_unknown_addendum,
    l007_missing_translation,
    l008_placeholder_statement,
    l009_example_severity,
    l010_no_eval_example,
    l011_unused_suppression,
    l012_priority_against_precedence,
    l013_duplicate_example,
    l014_unreachable_file,
    l015_stale_translation,
    l016_hidden_characters,
)

TABLE = (
    l001_duplicate_id.check,
    l002_id_format.check,
    l003_priority.check,
    l004_priority_tie.check,
    l005_precedence_cycle.check,
    l006_unknown_addendum.check,
    l007_missing_translation.check,
    l008_placeholder_statement.check,
    l009_example_severity.check,
    l010_no_eval_example.check,
    l011_unused_suppression.check,
    l012_priority_against_precedence.check,
    l013_duplicate_example.check,
    l014_unreachable_file.check,
    l015_stale_translation.check,
    l016_hidden_characters.check,
)
