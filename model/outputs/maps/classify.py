"""Class breaks and colours for choropleths.

A scheme from mapclassify (Fisher-Jenks by default) suits the data of one map;
fixed breaks (``--breaks``) put two scenarios on the same scale. Breaks found
by a scheme are rounded to two significant digits of the data's range, so
legends read 40–50% rather than 39.87–50.12%. Diverging data (signed values,
differences between scenarios) always have a break at zero, and their colours
are centred on zero.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import TwoSlopeNorm, to_hex

from model.core.config import percent_hint

SCHEMES = ("fisher_jenks", "natural_breaks", "quantiles", "equal_interval")
NO_DATA_COLOUR = "#d9d9d9"
NO_CHANGE_COLOUR = "#f4f4f4"


class BreaksError(ValueError):
    """Fixed class breaks that cannot be used."""


@dataclass(frozen=True)
class Classes:
    """Class edges (ascending, ``k + 1`` of them), colours and legend labels."""

    edges: tuple[float, ...]
    colours: tuple[str, ...]
    labels: tuple[str, ...]
    fixed: bool
    neutral: int | None = None
    """Index of the 'no change' class around zero, if any."""

    @property
    def k(self) -> int:
        return len(self.edges) - 1

    def index(self, values: Sequence[float] | np.ndarray) -> np.ndarray:
        """Class of each value (-1 for missing). Classes are closed on the right;
        values outside fixed breaks go to the first or last class."""
        v = np.asarray(values, dtype=float)
        inner = np.asarray(self.edges[1:-1])
        out = np.searchsorted(inner, v, side="left").astype(int)
        out[np.isnan(v)] = -1
        return out

    def colour_of(self, values: Sequence[float] | np.ndarray) -> list[str | None]:
        return [self.colours[i] if i >= 0 else None for i in self.index(values)]


def parse_breaks(text: str, *, shares: bool = False) -> tuple[float, ...]:
    """``"0,0.3,0.5,1"`` → (0.0, 0.3, 0.5, 1.0); at least two, strictly increasing.

    ``shares``: the breaks classify a rate, which the maps hold as a share in [0, 1]
    (breaks in percent get a hint).
    """
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip() != "")
    except ValueError:
        raise BreaksError(
            f"--breaks {text!r}: expected numbers separated by commas, e.g. 0,0.3,0.5,0.7,1"
        ) from None
    check_breaks(values, shares=shares)
    return values


def check_breaks(values: Sequence[float], *, shares: bool = False) -> None:
    """At least two finite, strictly increasing breaks; shares lie in [0, 1] (breaks of a
    rate map written in percent are refused with the shares meant)."""
    shown = ",".join(f"{v:g}" for v in values)
    if len(values) < 2:
        raise BreaksError(f"breaks {shown or '(none)'}: need at least two numbers (one class)")
    if shares and any(not 0 <= v <= 1 for v in values):
        raise BreaksError(
            f"breaks {shown}: breaks of a rate map are shares in [0, 1]{percent_hint(values)}"
        )
    if any(not math.isfinite(v) for v in values):
        raise BreaksError(f"breaks {shown}: every break must be a finite number")
    if any(b <= a for a, b in pairwise(values)):
        raise BreaksError(f"breaks {shown}: must increase strictly, e.g. 0,0.3,0.5,0.7,1")


def nice_step(span: float) -> float:
    """A round step about a hundredth of ``span`` (two significant digits)."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    return float(10 ** (math.floor(math.log10(span)) - 1))


def _round(x: float, step: float, how: Callable[[float], float]) -> float:
    # round() after the division avoids 0.57000000001-style edges
    return round(how(round(x / step, 9)) * step, 12)


def scheme_edges(
    values: np.ndarray, scheme: str, k: int, diverging: bool, min_step: float = 0.0
) -> list[float]:
    """Class edges from a mapclassify scheme, rounded to nice numbers.

    ``min_step`` is the finest difference worth a class edge (1 percentage point for
    rates): data that hardly vary get one or two classes, not classes of noise.
    """
    if scheme not in SCHEMES:
        raise BreaksError(f"scheme {scheme!r}: expected one of {', '.join(SCHEMES)}")
    v = np.sort(values[~np.isnan(values)])
    lo, hi = float(v[0]), float(v[-1])
    step = max(nice_step(hi - lo if hi > lo else abs(hi) or 1.0), min_step)
    bottom, top = _round(lo, step, math.floor), _round(hi, step, math.ceil)
    if top <= bottom:
        top = bottom + step
    k = max(1, min(k, len(np.unique(v))))
    inner: list[float] = []
    if k > 1:
        bins = _mapclassify_bins(v, scheme, k)
        inner = [_round(b, step, math.ceil) for b in bins[:-1]]
    edges = sorted({bottom, top, *inner})
    if diverging and bottom < 0 < top and 0.0 not in edges:
        edges = sorted({*edges, 0.0})
    return [e for e in edges if bottom <= e <= top]


def _mapclassify_bins(v: np.ndarray, scheme: str, k: int) -> np.ndarray:
    # the scheme of every layer, and the one for narrow data, without importing mapclassify
    if scheme == "fisher_jenks":
        return fisher_jenks_bins(v, k)
    if scheme == "equal_interval":
        return equal_interval_bins(v, k)
    import mapclassify  # 1 s of scipy.stats and scikit-learn: only for the other schemes

    with warnings.catch_warnings():
        # mapclassify says it runs without numba (slower, same result)
        warnings.filterwarnings("ignore", message="Numba not installed")
        if scheme == "quantiles":
            return np.asarray(mapclassify.Quantiles(v, k=k).bins)
        # NaturalBreaks starts k-means from random seeds: fix them so that the same
        # results give the same map, and leave numpy's global state as it was.
        state = np.random.get_state()
        try:
            np.random.seed(20240601)
            return np.asarray(mapclassify.NaturalBreaks(v, k=k).bins)
        finally:
            np.random.set_state(state)


def fisher_jenks_bins(values: np.ndarray, k: int) -> np.ndarray:
    """Upper bounds of the k classes that minimise the squared deviations from the class
    means (Fisher 1958, Jenks 1977), as ``mapclassify.FisherJenks(values, k).bins``.

    Computed by jenkspy (a small C library) because importing mapclassify imports
    scipy.stats and scikit-learn, about 1 s of every map set; the two give the same
    bins (a test compares them on many inputs). Needs at least k distinct values.
    """
    import jenkspy

    return np.asarray(jenkspy.jenks_breaks(np.asarray(values, dtype=float), n_classes=k)[1:])


def equal_interval_bins(values: np.ndarray, k: int) -> np.ndarray:
    """Upper bounds of k classes of equal width, the last at the largest value, as
    ``mapclassify.EqualInterval(values, k).bins`` (a test compares them). Needs at
    least two distinct values."""
    y = np.asarray(values, dtype=float)
    lo, hi = float(y.min()), float(y.max())
    width = (hi - lo) / k
    bins = (lo + width) + width * np.arange(k)
    bins[-1] = hi
    return bins


def symmetric_edges(values: np.ndarray, per_side: int = 3) -> tuple[list[float], float]:
    """Equal classes either side of zero for differences, and the 'no change' tolerance."""
    v = values[~np.isnan(values)]
    biggest = float(np.max(np.abs(v))) if len(v) else 0.0
    if biggest == 0.0:
        biggest = 1.0
    step = nice_step(biggest)
    top = _round(biggest, step, math.ceil)
    # a class width that is a round number
    width = _round(top / per_side, step, math.ceil)
    top = width * per_side
    # differences under a hundredth of the largest are noise, shown as no change
    tolerance = round(step / 10, 12)
    positive = [tolerance] + [round(width * i, 12) for i in range(1, per_side + 1)]
    return sorted({-p for p in positive} | set(positive)), tolerance


NARROW = 0.25
"""Data whose range is under this share of their largest absolute value are 'narrow'
(34 to 44 CNY): their classes are equal intervals and their colours follow the values
on a scale from zero, so a small difference does not look like a large one."""


def narrow_range(values: np.ndarray) -> bool:
    """Whether the values hardly vary relative to their size (:data:`NARROW`)."""
    v = values[~np.isnan(values)]
    if len(v) == 0:
        return False
    lo, hi = float(v.min()), float(v.max())
    size = max(abs(lo), abs(hi))
    return lo >= 0 and size > 0 and (hi - lo) < NARROW * size


def merge_narrow(edges: Sequence[float], keep: set[float], min_width: float) -> list[float]:
    """Drop inner edges that make a class narrower than ``min_width`` (a 1-point class
    between a rounded bottom and a break, or beside a target); edges in ``keep`` (the
    ends, targets, zero) stay, so a class beside a target may stay narrow."""
    out = list(edges)
    changed = True
    while changed and len(out) > 2:
        changed = False
        for i, (a, b) in enumerate(pairwise(out)):
            if b - a >= min_width - 1e-12:
                continue
            # drop the edge of the narrow class that is not kept (the inner one first)
            for j in (i + 1, i) if i + 1 < len(out) - 1 else (i,):
                if out[j] not in keep and 0 < j < len(out) - 1:
                    del out[j]
                    changed = True
                    break
            if changed:
                break
    return out


def colour_positions(edges: Sequence[float], values: np.ndarray, fixed: bool) -> np.ndarray:
    """Where each class sits on the colour map: evenly spread, except for narrow data,
    whose classes sit by their middle value on a scale from zero to the top edge."""
    k = len(edges) - 1
    if k <= 1:
        return np.array([0.6])
    if fixed or not narrow_range(values) or edges[-1] <= 0:
        return np.linspace(0.12, 0.95, k)
    mids = np.array([(a + b) / 2 for a, b in pairwise(edges)])
    return np.asarray(0.12 + 0.83 * mids / edges[-1])


def _diverging_position(p: float) -> float:
    """Where a class sits on a diverging palette: never at its white centre, so a small
    positive value does not look like no data."""
    side = 1.0 if p >= 0.5 else -1.0
    return 0.5 + side * (0.15 + 0.8 * abs(p - 0.5) * 2) / 2


def make_classes(
    values: Sequence[float] | np.ndarray,
    *,
    scheme: str = "fisher_jenks",
    k: int = 5,
    breaks: Sequence[float] | None = None,
    cmap: str = "YlGnBu",
    diverging: bool = False,
    formatter: Callable[[Sequence[float]], Callable[[float], str]] | None = None,
    unit_suffix: str = "",
    lang: str = "en",
    neutral_band: bool = False,
    extra: Sequence[float] = (),
    min_step: float = 0.0,
    shares: bool = False,
) -> Classes:
    """Classes for the values: from fixed ``breaks`` if given, else from ``scheme``.

    ``shares``: the values are rates as shares, so fixed breaks must lie in [0, 1].
    ``extra`` edges (targets) are added to a scheme's edges. ``formatter`` makes the
    function that writes an edge in the legend, given all the edges (so it can choose
    how many decimals tell them apart).
    """
    from model.outputs.maps.text import word

    v = np.asarray(values, dtype=float)
    if breaks is not None:
        check_breaks(breaks, shares=shares)
        edges = [float(b) for b in breaks]
        fixed = True
        tolerance = None
        if neutral_band and 0.0 in edges:
            # a difference of zero is no change, not the top of the class below zero
            at = edges.index(0.0)
            tol = round(nice_step(max(abs(edges[0]), abs(edges[-1]))) / 10, 12)
            below = edges[at - 1] if at > 0 else -math.inf
            above = edges[at + 1] if at + 1 < len(edges) else math.inf
            if below < -tol and tol < above:
                edges = [*edges[:at], -tol, tol, *edges[at + 1 :]]
                tolerance = tol
    elif np.isnan(v).all():
        edges, fixed, tolerance = [0.0, 1.0], False, None
    elif neutral_band:
        edges, tol = symmetric_edges(v)
        fixed, tolerance = False, tol
    else:
        if narrow_range(v) and not diverging:
            scheme = "equal_interval"  # a few equal classes, not clusters of noise
        edges = scheme_edges(v, scheme, k, diverging, min_step)
        # values that mean something (a target) become class edges too
        targets = [e for e in extra if edges[0] < e < edges[-1]]
        edges = sorted({*edges, *targets})
        span = edges[-1] - edges[0]
        keep = {edges[0], edges[-1], *targets, *([0.0] if diverging else [])}
        edges = merge_narrow(edges, keep, max(2 * min_step, span / (5 * max(k, 1))))
        fixed, tolerance = False, None

    k_ = len(edges) - 1
    neutral = None
    if tolerance is not None:
        neutral = edges.index(tolerance) - 1
    mids = [(a + b) / 2 for a, b in pairwise(edges)]
    colour_map = colormaps[cmap]
    if diverging:
        reach = max(abs(edges[0]), abs(edges[-1])) or 1.0
        norm = TwoSlopeNorm(vmin=-reach, vcenter=0.0, vmax=reach)
        colours = [to_hex(colour_map(_diverging_position(float(norm(m))))) for m in mids]
    else:
        positions = colour_positions(edges, v, fixed)
        colours = [to_hex(colour_map(p)) for p in positions]
    if neutral is not None:
        colours[neutral] = NO_CHANGE_COLOUR

    fmt = formatter(edges) if formatter is not None else str
    present = v[~np.isnan(v)]
    below = bool(len(present)) and float(present.min()) < edges[0]
    above = bool(len(present)) and float(present.max()) > edges[-1]
    labels = []
    for i, (a, b) in enumerate(pairwise(edges)):
        if i == neutral:
            labels.append(word("legend.no_change", lang) + f" (±{fmt(b)}{unit_suffix})")
        elif i == 0 and below:
            labels.append(word("legend.below", lang, v=f"{fmt(b)}{unit_suffix}"))
        elif i == k_ - 1 and above:
            labels.append(word("legend.above", lang, v=f"{fmt(a)}{unit_suffix}"))
        else:
            labels.append(word("legend.range", lang, a=fmt(a), b=fmt(b)) + unit_suffix)
    return Classes(tuple(edges), tuple(colours), tuple(labels), fixed, neutral)
