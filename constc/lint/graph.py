"""The precedence graph (winner -> losers), shared by the precedence rules."""

from __future__ import annotations

from constc.ir.nodes import Constitution


def precedence_graph(const: Constitution) -> dict[str, list[str]]:
    graph: dict[str, list[str]] = {}
    for rule in const.precedences:
        graph.setdefault(rule.winner, []).append(rule.loser)
    return graph


def reaches(graph: dict[str, list[str]], start: str, goal: str) -> bool:
    todo, seen = [start], set()
    while todo:
        node = todo.pop()
        for nxt in graph.get(node, ()):
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False
