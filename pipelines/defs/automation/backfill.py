"""A sensor asking for a backfill: the one place bizenv uses Dagster's private API.

A correction to an earlier quarter must rebuild that quarter and every later one *in quarter
order* (rankings read the previous quarter's rankings), and stop at a failed blocking check. A
backfill does exactly that; one run per quarter (``RunRequest`` with a ``partition_key``)
would run the quarters in any order, and a single run over a partition range
(``BackfillPolicy.single_run``) would need every asset to handle several quarters at once.

Dagster 1.13 lets a sensor request a backfill only through
``RunRequest.for_asset_graph_subset(AssetGraphSubset, …)``, which its docstring calls
"intentionally left private since AssetGraphSubset is not part of the public API"; building
the subset needs ``AssetKeyPartitionKey`` and the repository's ``asset_graph`` (not public
either). All three are used here and nowhere else; tests/test_automation.py pins the
behaviour (``test_backfill_request_asks_for_exactly_the_given_partitions``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import dagster as dg
from dagster._core.definitions.assets.graph.asset_graph_subset import AssetGraphSubset
from dagster._core.definitions.events import AssetKeyPartitionKey


def backfill_request(
    repository: dg.RepositoryDefinition,
    partitions: Sequence[tuple[dg.AssetSelection, Sequence[str]]],
    tags: Mapping[str, str],
) -> dg.RunRequest:
    """A request for one backfill of each selection's assets over its partition keys."""
    graph = repository.asset_graph
    wanted = {
        AssetKeyPartitionKey(key, partition_key)
        for selection, partition_keys in partitions
        for key in selection.resolve(graph)
        for partition_key in partition_keys
    }
    return dg.RunRequest.for_asset_graph_subset(
        AssetGraphSubset.from_asset_partition_set(wanted, graph), tags=dict(tags)
    )


def requested_partitions(request: dg.RunRequest) -> set[tuple[dg.AssetKey, str]]:
    """The (asset, partition) pairs a backfill request asks for; empty for a plain run."""
    subset = request.asset_graph_subset
    if subset is None:
        return set()
    return {
        (entry.asset_key, entry.partition_key)
        for entry in subset.iterate_asset_partitions()
        if entry.partition_key is not None
    }
