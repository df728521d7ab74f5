"""Devices: handsets (IMEIs) a number uses, and other numbers in the same handsets.

A SIM box or a crew's phone cycles many SIMs through few devices: a number
whose IMEI is shared with many other numbers, or that hops between devices, is
unusual for a person.
"""

from __future__ import annotations

import ibis

from fraudml.features.context import KEY, Context, Family, share, span, span_of


def features(ctx: Context) -> Family:
    f = Family("devices", "calls.imei")
    cw = ctx.calls_window
    L = ctx.lookback
    per_imei = cw.group_by([*KEY, "imei"]).aggregate(n=cw.count())
    agg = per_imei.group_by(KEY).aggregate(**{
        f.count(f"distinct_imeis_w{L}", f"distinct devices (IMEIs) used in the last {span(L)}", "devices", L): per_imei.imei.count(),
        "_calls": per_imei.n.sum(),
        "_no_imei": ibis.coalesce(per_imei.n.sum(where=per_imei.imei.isnull()), 0),
    })
    f.part(agg.mutate(**{
        f.real(f"imei_missing_share_w{L}", f"share of the last {span_of(L)} calls without a device (IMEI)", "share", L):
            share(agg._no_imei, agg._calls),
    }))

    seq = ctx.call_sequence
    f.part(seq.mutate(**{
        f.count(f"device_changes_w{L}", f"times consecutive calls with known devices in the last {span(L)} switched device",
                "changes", L): seq.device_changes,
    }))

    links = ctx.device_links
    per_imei = links.group_by([*KEY, "imei"]).aggregate(n=links.other.nunique())
    others = links.filter(links.other != links.msisdn)
    f.part(others.group_by(KEY).aggregate(**{
        f.count(f"numbers_sharing_devices_w{L}", f"other numbers seen in this number's devices in the last {span(L)}", "numbers", L):
            others.other.nunique(),
    }))
    f.part(per_imei.group_by(KEY).aggregate(**{
        f.count(f"max_numbers_per_device_w{L}", f"most numbers (this one included) seen in any one of its devices in the last {span(L)}",
                "numbers", L): per_imei.n.max(),
    }))
    return f
