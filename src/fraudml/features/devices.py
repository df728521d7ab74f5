"""Devices: handsets (IMEIs) a number uses, and other numbers in the same handsets.

A SIM box or a crew's phone cycles many SIMs through few devices: a number
whose IMEI is shared with many other numbers, or that hops between devices, is
unusual for a person.
"""

from __future__ import annotations

import ibis

from fraudml.features.context import KEY, Context, Family, share, span, span_of


def features(ctx: Context) -> Family:
    family = Family("devices", "calls.imei")
    calls = ctx.calls_window
    longest = ctx.lookback
    last = f"the last {span(longest)}"
    calls_per_imei = calls.group_by([*KEY, "imei"]).aggregate(n=calls.count())
    imeis = family.count(f"distinct_imeis_w{longest}", f"distinct devices (IMEIs) used in {last}", "devices", longest)
    totals = calls_per_imei.group_by(KEY).aggregate(**{
        imeis: calls_per_imei.imei.count(),
        "_calls": calls_per_imei.n.sum(),
        "_no_imei": ibis.coalesce(calls_per_imei.n.sum(where=calls_per_imei.imei.isnull()), 0),
    })
    missing = family.real(f"imei_missing_share_w{longest}", f"share of the last {span_of(longest)} calls without a device "
                          "(IMEI)", "share", longest)
    family.part(totals.mutate(**{missing: share(totals._no_imei, totals._calls)}))

    sequence = ctx.call_sequence
    changes = family.count(f"device_changes_w{longest}", f"times consecutive calls with known devices in {last} switched "
                           "device", "changes", longest)
    family.part(sequence.mutate(**{changes: sequence.device_changes}))

    links = ctx.device_links
    numbers_per_imei = links.group_by([*KEY, "imei"]).aggregate(n=links.other.nunique())
    others = links.filter(links.other != links.msisdn)
    sharing = family.count(f"numbers_sharing_devices_w{longest}", f"other numbers seen in this number's devices in {last}",
                           "numbers", longest)
    most = family.count(f"max_numbers_per_device_w{longest}", f"most numbers (this one included) seen in any one of its "
                        f"devices in {last}", "numbers", longest)
    family.part(others.group_by(KEY).aggregate(**{sharing: others.other.nunique()}))
    family.part(numbers_per_imei.group_by(KEY).aggregate(**{most: numbers_per_imei.n.max()}))
    return family
