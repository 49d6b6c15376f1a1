"""Response models of the reports and of the public results (issue 12): their OpenAPI
description. Money as in every route: a decimal string with two decimals."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pac_grants.api.schemas import Model, Money


class ReportLine(Model):
    communes: int
    population: int
    allocated: Money
    per_capita: Money | None = Field(description="Allocated per inhabitant of the census.")
    previous: Money | None = Field(description="Allocated in the previous approved cycle.")
    change: Money | None


class RegionLine(ReportLine):
    region: str


class ProvinceLine(ReportLine):
    region: str
    province: str


class Regions(Model):
    cycle: int
    previous_cycle: int | None
    census: int
    regions: list[RegionLine]
    provinces: list[ProvinceLine]
    total: ReportLine


class HistoryCommune(Model):
    code: str
    name_fr: str | None
    name_ar: str | None
    region: str | None
    province: str | None


class HistoryLine(Model):
    cycle: int
    allocated: Money
    paid: Money
    outstanding: Money
    population: int | None
    per_capita: Money | None
    change: Money | None = Field(description="Allocated minus the line before, else null.")


class History(Model):
    commune: HistoryCommune
    cycles: list[HistoryLine]


class PublicCycle(Model):
    cycle: int
    status: Literal["approved", "under_review"]


class PublicCycles(Model):
    cycles: list[PublicCycle]


class PublicCommune(Model):
    code: str
    name_fr: str | None
    name_ar: str | None
    region: str | None
    province: str | None
    conditions_met: int | None
    conditions_total: int | None
    points_by_area: dict[str, int] | None = Field(
        default=None, description="Omitted for mmc_only windows.")
    score: int | None
    rank: int = Field(description="By grant within the window; ties share a rank (1, 2, 2, 4).")
    grant: Money
    per_capita: Money | None
    change: Money | None = Field(description="From the previous approved cycle, else null.")


class PublicWindow(Model):
    window: str
    mode: Literal["performance", "mmc_only"] | None
    communes: list[PublicCommune]


class PublicResults(Model):
    cycle: int
    status: Literal["approved", "under_review"]
    previous_cycle: int | None
    windows: list[PublicWindow]
