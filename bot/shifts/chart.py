"""The report as a picture: hours on duty and pages per person, side by side.

Drawn with matplotlib's object API on an Agg canvas (no pyplot, so no global figure
state and no display needed), the team's mean hours as a dashed line, so that an
unfair share stands out before anyone reads a number.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Mapping

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.shifts.report import Report

HOURS_COLOUR = "#4f6bed"
PAGES_COLOUR = "#e3008c"
OUT_OF_HOURS_COLOUR = "#8a0052"
WIDTH = 0.38


def report_chart(report: Report, names: Mapping[str, str] | None = None) -> bytes:
    """A PNG of hours on duty (left axis) and pages (right axis, out-of-hours ones darker)."""
    figure = Figure(figsize=(6.4, 3.4), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    hours_axis = figure.add_subplot()
    people = [(names or {}).get(line.person, line.person.split("@")[0]) for line in report.people]
    spots = range(len(people))
    hours_axis.bar([x - WIDTH / 2 for x in spots], [line.hours for line in report.people], WIDTH,
                   color=HOURS_COLOUR, label="hours on duty")  # fmt: skip
    if report.people:
        hours_axis.axhline(report.mean_hours, color=HOURS_COLOUR, linestyle="--", linewidth=1, label="team mean")
    pages_axis = hours_axis.twinx()
    _pages(pages_axis, report, spots)
    hours_axis.set_xticks(list(spots), people, rotation=20 if len(people) > 5 else 0)
    hours_axis.set_ylabel("hours on duty")
    hours_axis.set_ylim(0, max([line.hours for line in report.people] + [1]) * 1.2)
    pages_axis.set_ylabel("pages")
    hours_axis.set_title(f"{report.rotation}: {report.label}", fontsize=11)
    _legend(hours_axis, pages_axis)
    for axis in (hours_axis, pages_axis):
        axis.spines["top"].set_visible(False)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # A name in a script the bundled font lacks is drawn as boxes; that is no reason to warn.
        warnings.filterwarnings("ignore", "Glyph .* missing from font", UserWarning)
        figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _pages(axis, report: Report, spots: range) -> None:
    """Pages as stacked bars: in hours below, out of hours on top."""
    daytime = [line.pages - line.out_of_hours_pages for line in report.people]
    night = [line.out_of_hours_pages for line in report.people]
    where = [x + WIDTH / 2 for x in spots]
    axis.bar(where, daytime, WIDTH, color=PAGES_COLOUR, label="pages in hours")
    axis.bar(where, night, WIDTH, bottom=daytime, color=OUT_OF_HOURS_COLOUR, label="out-of-hours pages")
    axis.set_ylim(0, max([line.pages for line in report.people] + [1]) * 1.25)
    axis.yaxis.get_major_locator().set_params(integer=True)


def _legend(hours_axis, pages_axis) -> None:
    """One legend for both axes, under the plot, where it hides no bar."""
    handles, labels = hours_axis.get_legend_handles_labels()
    more_handles, more_labels = pages_axis.get_legend_handles_labels()
    hours_axis.figure.legend(handles + more_handles, labels + more_labels, fontsize=8, loc="outside lower center",
                             ncols=4, frameon=False)
