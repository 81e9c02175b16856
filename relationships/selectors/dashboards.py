"""Reads of the GM's dashboards (scorecards, programme health, profitability): stored period tables only."""

from __future__ import annotations

__all__: list[str] = []
