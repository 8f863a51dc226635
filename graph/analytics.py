"""Who matters and who connects: rankings, communities and bridges over a networkx view.

All measures treat the view as undirected (a fact links two entities whichever way it reads: a
project `createdBy` a person is as much a tie as a person `contributedTo` a project), with an edge
weight equal to the number of evidence sentences behind the facts joining the two entities (a fact
stored without evidence counts once). Results are deterministic: nodes are visited in key order and
randomised algorithms take a fixed seed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any, Literal

import networkx as nx

from graph.errors import InvalidParameter
from graph.records import EntityType

COMMUNITY_SEED = 42
# Exact betweenness is O(nodes x edges); above this many nodes it is estimated from a sample of sources.
EXACT_BETWEENNESS_NODES = 1000
BETWEENNESS_SAMPLE = 100
_DIGITS = 6


@dataclass(frozen=True)
class RankedEntity:
    """An entity with its PageRank score and degree (number of facts touching it)."""

    key: str
    label: str
    type: str
    score: float
    degree: int


@dataclass(frozen=True)
class Community:
    """A Louvain community: members best-ranked first, named after its best-ranked member."""

    id: int
    label: str
    size: int
    members: tuple[str, ...]
    types: dict[str, int]


@dataclass(frozen=True)
class Bridge:
    """A person whose neighbours belong to several communities (own community included)."""

    key: str
    label: str
    communities: tuple[int, ...]
    betweenness: float


@dataclass(frozen=True)
class GraphAnalysis:
    """Everything `analyze` measures over one view."""

    nodes: int
    edges: int
    components: int
    isolated: int  # entities with no fact in the view
    by_type: dict[str, int]
    by_predicate: dict[str, int]
    pagerank: dict[str, float]
    betweenness: dict[str, float]
    community_of: dict[str, int]
    communities: tuple[Community, ...]
    people: tuple[RankedEntity, ...]
    projects: tuple[RankedEntity, ...]
    bridges: tuple[Bridge, ...]

    def to_dict(self, *, members: int = 10) -> dict[str, Any]:
        """Plain data for JSON: per-node scores left out, single-entity communities left out (they are
        the isolated entities), member lists cut to `members`."""
        return {
            "nodes": self.nodes,
            "edges": self.edges,
            "components": self.components,
            "isolated": self.isolated,
            "by_type": dict(self.by_type),
            "by_predicate": dict(self.by_predicate),
            "people": [asdict(entity) for entity in self.people],
            "projects": [asdict(entity) for entity in self.projects],
            "communities": [
                {**asdict(community), "members": list(community.members[:members])}
                for community in self.communities
                if community.size > 1
            ],
            "bridges": [asdict(bridge) for bridge in self.bridges],
        }


def undirected_weighted(graph: nx.MultiDiGraph) -> nx.Graph:
    """The view as a simple undirected graph; `weight` = evidence behind all facts joining two nodes."""
    simple = nx.Graph()
    simple.add_nodes_from(sorted(graph.nodes))
    for u, v, data in sorted(
        graph.edges(data=True), key=lambda edge: (edge[0], edge[1], edge[2]["predicate"])
    ):
        if u == v:
            continue
        weight = max(int(data.get("evidence_count", 0)), 1)
        if simple.has_edge(u, v):
            simple[u][v]["weight"] += weight
        else:
            simple.add_edge(u, v, weight=weight)
    return simple


def pagerank(
    graph: nx.MultiDiGraph, *, alpha: float = 0.85, tolerance: float = 1e-10, max_iterations: int = 200
) -> dict[str, float]:
    """PageRank of every node over the undirected weighted view (scores sum to 1), rounded."""
    simple = undirected_weighted(graph)
    nodes = list(simple.nodes)
    count = len(nodes)
    if count == 0:
        return {}
    strength = {node: float(simple.degree(node, weight="weight")) for node in nodes}
    rank = dict.fromkeys(nodes, 1.0 / count)
    for _ in range(max_iterations):
        # Isolated nodes spread their rank evenly, as in the classic dangling-node rule.
        dangling = alpha * sum(rank[node] for node in nodes if strength[node] == 0.0) / count
        base = (1.0 - alpha) / count + dangling
        updated = {}
        for node in nodes:
            inflow = sum(
                rank[neighbour] * data["weight"] / strength[neighbour]
                for neighbour, data in simple[node].items()
            )
            updated[node] = base + alpha * inflow
        change = sum(abs(updated[node] - rank[node]) for node in nodes)
        rank = updated
        if change < count * tolerance:
            break
    return {node: round(score, _DIGITS) for node, score in rank.items()}


def betweenness(graph: nx.MultiDiGraph, *, seed: int = COMMUNITY_SEED) -> dict[str, float]:
    """Normalised betweenness centrality over the undirected view (sampled on large views), rounded."""
    simple = undirected_weighted(graph)
    sample = None if simple.number_of_nodes() <= EXACT_BETWEENNESS_NODES else BETWEENNESS_SAMPLE
    scores = nx.betweenness_centrality(simple, k=sample, normalized=True, seed=seed)
    return {node: round(float(score), _DIGITS) for node, score in scores.items()}


def rank_entities(
    graph: nx.MultiDiGraph,
    *,
    types: set[EntityType] | None = None,
    limit: int = 10,
    scores: dict[str, float] | None = None,
    by: Literal["pagerank", "degree"] = "pagerank",
) -> list[RankedEntity]:
    """The best-ranked entities (of these types), by PageRank then degree then key, or by degree first."""
    if by not in ("pagerank", "degree"):
        raise InvalidParameter(f"Rank by 'pagerank' or 'degree', not '{by}'.")
    if limit < 0:
        raise InvalidParameter(f"limit must be 0 or more, got {limit}.")
    scores = scores if scores is not None else pagerank(graph)
    kept = {kind.value for kind in types} if types is not None else None
    ranked = [
        RankedEntity(
            key=key,
            label=str(data.get("label", key)),
            type=str(data.get("type", "")),
            score=scores.get(key, 0.0),
            degree=int(graph.degree(key)),
        )
        for key, data in graph.nodes(data=True)
        if kept is None or data.get("type") in kept
    ]
    if by == "degree":
        ranked.sort(key=lambda entity: (-entity.degree, -entity.score, entity.key))
    else:
        ranked.sort(key=lambda entity: (-entity.score, -entity.degree, entity.key))
    return ranked[:limit]


def find_communities(
    graph: nx.MultiDiGraph,
    *,
    seed: int = COMMUNITY_SEED,
    resolution: float = 1.0,
    scores: dict[str, float] | None = None,
) -> list[Community]:
    """Louvain communities of the view, largest first; ids are positions in that order."""
    simple = undirected_weighted(graph)
    if simple.number_of_nodes() == 0:
        return []
    scores = scores if scores is not None else pagerank(graph)
    groups = nx.community.louvain_communities(simple, weight="weight", resolution=resolution, seed=seed)
    ordered = sorted(
        (sorted(group, key=lambda key: (-scores.get(key, 0.0), key)) for group in groups),
        key=lambda members: (-len(members), min(members)),
    )
    return [
        Community(
            id=index,
            label=str(graph.nodes[members[0]].get("label", members[0])),
            size=len(members),
            members=tuple(members),
            types=dict(sorted(Counter(str(graph.nodes[m].get("type", "")) for m in members).items())),
        )
        for index, members in enumerate(ordered)
    ]


def find_bridges(
    graph: nx.MultiDiGraph,
    communities: list[Community] | tuple[Community, ...],
    *,
    centrality: dict[str, float] | None = None,
    limit: int = 10,
) -> list[Bridge]:
    """People whose neighbours span two or more communities, most communities then betweenness first."""
    community_of = {member: community.id for community in communities for member in community.members}
    centrality = centrality if centrality is not None else betweenness(graph)
    simple = undirected_weighted(graph)
    bridges = []
    for key, data in graph.nodes(data=True):
        if data.get("type") != EntityType.PERSON.value:
            continue
        touched = {community_of[n] for n in simple.neighbors(key) if n in community_of}
        if key in community_of:
            touched.add(community_of[key])
        if len(touched) < 2:
            continue
        bridges.append(
            Bridge(
                key=key,
                label=str(data.get("label", key)),
                communities=tuple(sorted(touched)),
                betweenness=centrality.get(key, 0.0),
            )
        )
    bridges.sort(key=lambda bridge: (-len(bridge.communities), -bridge.betweenness, bridge.key))
    return bridges[:limit]


def analyze(graph: nx.MultiDiGraph, *, seed: int = COMMUNITY_SEED, limit: int = 10) -> GraphAnalysis:
    """Rank people and projects, find communities and bridges, count what the view holds."""
    scores = pagerank(graph)
    centrality = betweenness(graph, seed=seed)
    communities = find_communities(graph, seed=seed, scores=scores)
    return GraphAnalysis(
        nodes=graph.number_of_nodes(),
        edges=graph.number_of_edges(),
        components=nx.number_weakly_connected_components(graph) if graph.number_of_nodes() else 0,
        isolated=sum(1 for _, degree in graph.degree() if degree == 0),
        by_type=dict(sorted(Counter(str(d.get("type", "")) for _, d in graph.nodes(data=True)).items())),
        by_predicate=dict(sorted(Counter(str(d["predicate"]) for _, _, d in graph.edges(data=True)).items())),
        pagerank=scores,
        betweenness=centrality,
        community_of={member: c.id for c in communities for member in c.members},
        communities=tuple(communities),
        people=tuple(rank_entities(graph, types={EntityType.PERSON}, limit=limit, scores=scores)),
        projects=tuple(rank_entities(graph, types={EntityType.PROJECT}, limit=limit, scores=scores)),
        bridges=tuple(find_bridges(graph, communities, centrality=centrality, limit=limit)),
    )


def annotate(graph: nx.MultiDiGraph, analysis: GraphAnalysis) -> None:
    """Store each node's community, pagerank and betweenness as node attributes (for exports)."""
    for key in graph.nodes:
        if key in analysis.community_of:
            graph.nodes[key]["community"] = analysis.community_of[key]
        graph.nodes[key]["pagerank"] = analysis.pagerank.get(key, 0.0)
        graph.nodes[key]["betweenness"] = analysis.betweenness.get(key, 0.0)
