"""The demo district's area tree and polygons, generated deterministically without the database.

Every polygon is a union of *micro-grid cells*, and the cells are the Voronoi diagram of seeded
points, rounded once to 6 decimals. Neighbouring cells share the very same rounded vertices, so
unions of cells share their boundaries exactly: the children of every area tile it with no gap
and no overlap, before and after the GeoJSON is written (its coordinates are those 6-decimal
floats already). Membership is decided top-down by seed point: a seed belongs to the street
whose region holds it, then to a community and a grid by clustering inside its parent.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Point, Polygon, mapping

from linli.web.demo import DISTRICT_CODE, DISTRICT_NAME, SEED, names

CENTRE = (120.75, 30.75)
HALF_WIDTH = 0.094  # degrees of longitude, about 9 km at 30.75° N
HALF_HEIGHT = 0.072  # degrees of latitude, about 8 km
PRECISION = 6

BIG_STREET_COMMUNITIES = 12
BIG_STREET_GRIDS = 95
BIG_STREET_MICRO_GRIDS = 677
# Communities of the five coarser streets, and the micro-grid count of each of them.
OTHER_STREET_COMMUNITIES = (10, 11, 10, 9, 12)


@dataclass
class AreaPlan:
    code: str
    name: str
    level: str  # a places.models.Level value
    parent_code: str | None
    geometry: Any  # a shapely Polygon or MultiPolygon with 6-decimal coordinates
    children: list[AreaPlan] = field(default_factory=list)

    def geojson(self) -> dict[str, Any]:
        return _rounded(mapping(self.geometry))

    def centroid(self) -> tuple[float, float]:
        point = self.geometry.centroid
        if not self.geometry.contains(point):
            point = self.geometry.point_on_surface()
        return round(point.x, PRECISION), round(point.y, PRECISION)

    def walk(self) -> list[AreaPlan]:
        """This area and all below it, parents before children."""
        found = [self]
        for child in self.children:
            found.extend(child.walk())
        return found


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, PRECISION)
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(item) for item in value]
    return value


# --- the outline and the seed points -------------------------------------------------------


def district_outline(rng: random.Random) -> Polygon:
    """An irregular, roughly elliptical outline of about 18 km x 16 km."""
    phases = [rng.uniform(0, 2 * math.pi) for _ in range(4)]
    amplitudes = [0.06, 0.04, 0.025, 0.015]
    points = []
    for step in range(72):
        angle = 2 * math.pi * step / 72
        wobble = sum(
            amp * math.sin((k + 2) * angle + phase)
            for k, (amp, phase) in enumerate(zip(amplitudes, phases, strict=True))
        )
        scale = 1 + wobble
        points.append(
            (
                CENTRE[0] + HALF_WIDTH * scale * math.cos(angle),
                CENTRE[1] + HALF_HEIGHT * scale * math.sin(angle),
            )
        )
    return Polygon(points)


def street_regions(outline: Polygon, rng: random.Random) -> list[Any]:
    """Six street regions: a central one (the dense big street) and five around it."""
    seeds = [Point(CENTRE[0] + rng.uniform(-0.01, 0.01), CENTRE[1] + rng.uniform(-0.008, 0.008))]
    offset = rng.uniform(0, 2 * math.pi)
    for k in range(5):
        angle = offset + 2 * math.pi * k / 5
        seeds.append(
            Point(
                CENTRE[0] + 0.62 * HALF_WIDTH * math.cos(angle),
                CENTRE[1] + 0.62 * HALF_HEIGHT * math.sin(angle),
            )
        )
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=outline.buffer(0.05))
    regions = []
    for seed in seeds:
        cell = next(c for c in cells.geoms if c.contains(seed))
        regions.append(cell.intersection(outline))
    return regions


def poisson_points(
    region: Any, count: int, taken: list[tuple[float, float]], rng: random.Random
) -> list[tuple[float, float]]:
    """``count`` points in ``region`` no closer than a spacing fitted to its area (and to the
    points already ``taken`` elsewhere), so Voronoi cells are well shaped."""
    # Lon degrees are shorter than lat degrees here: measure in a locally isotropic frame.
    squash = math.cos(math.radians(CENTRE[1]))
    area = region.area * squash
    spacing = math.sqrt(0.45 * area / count)
    minx, miny, maxx, maxy = region.bounds
    shapely.prepare(region)
    existing = np.array(taken, dtype=float).reshape(-1, 2)
    existing[:, 0] *= squash
    accepted: list[tuple[float, float]] = []
    buffer = np.empty((len(existing) + count, 2))
    buffer[: len(existing)] = existing
    filled = len(existing)
    attempts = 0
    while len(accepted) < count:
        attempts += 1
        if attempts % 20000 == 0:
            spacing *= 0.9  # never loop forever on an awkward region
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if not shapely.contains_xy(region, x, y):
            continue
        if filled:
            delta = buffer[:filled] - (x * squash, y)
            if float(np.min(np.einsum("ij,ij->i", delta, delta))) < spacing * spacing:
                continue
        buffer[filled] = (x * squash, y)
        filled += 1
        accepted.append((x, y))
    return accepted


# --- clustering ----------------------------------------------------------------------------


def cluster(points: Sequence[tuple[float, float]], k: int, rng: random.Random) -> list[list[int]]:
    """Split ``points`` into ``k`` non-empty compact groups (seeded k-means++ and Lloyd),
    ordered west to east, north to south (so codes read like a map)."""
    if k >= len(points):
        return [[i] for i in range(len(points))]
    data = np.array(points, dtype=float)
    data[:, 0] *= math.cos(math.radians(CENTRE[1]))
    centres = [data[rng.randrange(len(data))]]
    for _ in range(1, k):
        nearest = np.min([np.sum((data - c) ** 2, axis=1) for c in centres], axis=0)
        threshold = rng.random() * float(nearest.sum())
        index = int(np.searchsorted(np.cumsum(nearest), threshold))
        centres.append(data[min(index, len(data) - 1)])
    centre_array = np.array(centres)
    labels = np.zeros(len(data), dtype=int)
    for _ in range(25):
        distances = ((data[:, None, :] - centre_array[None, :, :]) ** 2).sum(axis=2)
        labels = distances.argmin(axis=1)
        for group in range(k):
            members = data[labels == group]
            if len(members) == 0:
                # An empty group takes the point farthest from its own centre.
                far = int(distances[np.arange(len(data)), labels].argmax())
                labels[far] = group
                members = data[far : far + 1]
            centre_array[group] = members.mean(axis=0)
    groups: list[list[int]] = [[] for _ in range(k)]
    for index, label in enumerate(labels):
        groups[int(label)].append(index)
    # Lloyd's last reassignment may leave a group empty: give it a point of the largest group.
    for members_of in groups:
        if not members_of:
            largest = max(groups, key=len)
            members_of.append(largest.pop())
    groups.sort(key=lambda g: (-round(float(data[g, 1].mean()), 3), float(data[g, 0].mean())))
    return groups


def apportion(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder), each share in
    1..weight."""
    whole = sum(weights)
    shares = [max(1, min(w, total * w // whole)) for w in weights]
    order = sorted(range(len(weights)), key=lambda i: -(total * weights[i] % whole))
    while sum(shares) != total:
        step = 1 if sum(shares) < total else -1
        for i in order:
            if sum(shares) == total:
                break
            if 1 <= shares[i] + step <= weights[i]:
                shares[i] += step
    return shares


# --- cells ---------------------------------------------------------------------------------


def voronoi_cells(points: list[tuple[float, float]], extent: Any) -> list[Polygon]:
    """The Voronoi cell of each point (same order), vertices rounded to 6 decimals once."""
    diagram = shapely.voronoi_polygons(MultiPoint(points), extend_to=extent, ordered=True)
    cells = []
    for polygon in diagram.geoms:
        ring: list[tuple[float, float]] = []
        for x, y in polygon.exterior.coords[:-1]:
            vertex = (round(x, PRECISION), round(y, PRECISION))
            if not ring or ring[-1] != vertex:
                ring.append(vertex)
        if ring[0] == ring[-1]:
            ring.pop()
        cell = Polygon(ring)
        if not cell.is_valid:
            cell = shapely.make_valid(cell)
        cells.append(cell)
    return cells


def _union(parts: Sequence[Any]) -> Any:
    return shapely.union_all(list(parts))


def make_contiguous(groups: list[list[int]], cells: Sequence[Polygon]) -> list[list[int]]:
    """Hand the detached pieces of a group's area to the neighbouring group they touch most, so
    every group is one polygon. The largest piece stays, so no group is ever emptied."""
    for _ in range(10):
        moved = False
        unions = [_union([cells[i] for i in group]) for group in groups]
        for index, union in enumerate(unions):
            if union.geom_type != "MultiPolygon":
                continue
            pieces = sorted(union.geoms, key=lambda piece: -piece.area)
            for piece in pieces[1:]:
                strays = [i for i in groups[index] if piece.contains(cells[i].point_on_surface())]
                shared = [
                    (piece.boundary.intersection(other.boundary).length, other_index)
                    for other_index, other in enumerate(unions)
                    if other_index != index
                ]
                length, target = max(shared)
                if length <= 0:
                    continue
                groups[index] = [i for i in groups[index] if i not in strays]
                groups[target].extend(strays)
                moved = True
            if moved:
                break
        if not moved:
            return groups
    return groups


# --- the plan ------------------------------------------------------------------------------


def plan_district(seed: int = SEED) -> AreaPlan:
    """The whole area tree of the fictional district, the same on every call."""
    rng = random.Random(seed)
    outline = district_outline(rng)
    regions = street_regions(outline, rng)
    micro_counts = [BIG_STREET_MICRO_GRIDS] + [
        sum(rng.randint(2, 4) * rng.randint(3, 6) for _ in range(n))
        for n in OTHER_STREET_COMMUNITIES
    ]
    street_points: list[list[tuple[float, float]]] = []
    taken: list[tuple[float, float]] = []
    for region, count in zip(regions, micro_counts, strict=True):
        points = poisson_points(region, count, taken, rng)
        street_points.append(points)
        taken.extend(points)
    # A ring of points outside the outline bounds the cells on the edge of the district.
    ring_region = outline.buffer(0.02).difference(outline)
    ring_count = int(ring_region.area / outline.area * sum(micro_counts[1:]) * 1.3)
    outside = poisson_points(ring_region, ring_count, taken, rng)
    extent = outline.buffer(0.05).envelope
    cells = voronoi_cells(taken + outside, extent)

    street_names = names.street_names()
    district = AreaPlan(DISTRICT_CODE, DISTRICT_NAME, "district", None, None)
    offset = 0
    n_communities = BIG_STREET_COMMUNITIES + sum(OTHER_STREET_COMMUNITIES)
    community_names = names.community_names(rng, n_communities)
    for index, points in enumerate(street_points):
        street_cells = cells[offset : offset + len(points)]
        offset += len(points)
        street = _plan_street(
            index,
            street_names[index],
            points,
            street_cells,
            community_names,
            rng,
            district,
        )
        district.children.append(street)
    district.geometry = _union([s.geometry for s in district.children])
    return district


def _plan_street(
    index: int,
    name: str,
    points: list[tuple[float, float]],
    cells: list[Polygon],
    community_names: list[str],
    rng: random.Random,
    district: AreaPlan,
) -> AreaPlan:
    code = f"{DISTRICT_CODE}{index + 1:03d}"
    street = AreaPlan(code, name, "street", district.code, None)
    is_big = index == 0
    n_communities = BIG_STREET_COMMUNITIES if is_big else OTHER_STREET_COMMUNITIES[index - 1]
    communities = make_contiguous(cluster(points, n_communities, rng), cells)
    if is_big:
        grid_counts = apportion(BIG_STREET_GRIDS, [len(c) for c in communities])
    else:
        grid_counts = [max(1, min(len(c), round(len(c) / 3))) for c in communities]
    for c_index, (members, n_grids) in enumerate(zip(communities, grid_counts, strict=True)):
        c_code = f"{code}{c_index + 1:03d}"
        community = AreaPlan(c_code, community_names.pop(0), "community", code, None)
        local_cells = [cells[i] for i in members]
        grids = make_contiguous(cluster([points[i] for i in members], n_grids, rng), local_cells)
        for g_index, grid_members in enumerate(grids):
            g_code = f"{c_code}{g_index + 1:03d}"
            grid = AreaPlan(g_code, f"{community.name}第{g_index + 1}网格", "grid", c_code, None)
            for m_index, local in enumerate(grid_members):
                m_code = f"{g_code}{m_index + 1:03d}"
                grid.children.append(
                    AreaPlan(
                        m_code,
                        f"{grid.name}{m_index + 1}号微网格",
                        "micro_grid",
                        g_code,
                        cells[members[local]],
                    )
                )
            grid.geometry = _union([m.geometry for m in grid.children])
            community.children.append(grid)
        community.geometry = _union([g.geometry for g in community.children])
        street.children.append(community)
    street.geometry = _union([c.geometry for c in street.children])
    return street
