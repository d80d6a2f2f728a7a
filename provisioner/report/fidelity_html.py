"""The HTML report's fidelity section: per table, how well a classifier tells synthetic rows from real
ones (and what gives them away), how useful a model trained on them is (TSTR), and the model chosen."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any


def section(fidelity: Mapping[str, Any]) -> str:
    rows = []
    for key, t in fidelity.get("tables", {}).items():
        det, util = t.get("detection"), t.get("utility")
        auc = f"{det['auc']:.3f}" if det else "–"
        giveaways = ", ".join(f"{escape(g['feature'])} ({g['auc_drop']:.3f})" for g in (det or {}).get("giveaways", [])[:3])
        tstr = (f"{escape(util['target'])}: {util['tstr']:.3f} vs {util['trtr']:.3f}" if util else "–")
        rows.append(f"<tr><td>{escape(key)}</td><td class=num>{t['source_rows']:,}</td><td class=num>{auc}</td>"
                    f"<td>{giveaways or escape(t.get('note', ''))}</td><td>{tstr}</td></tr>")
    head = ("<tr><th>table</th><th>source rows</th><th>classifier AUC</th><th>what gives synthetic rows away (AUC lost when shuffled)</th>"
            "<th>TSTR: train on synthetic vs on real, scored on the real holdout</th></tr>")
    mean = fidelity.get("mean_auc")
    choices = "".join(
        f"<li>{escape(k)}: {escape(c['chosen'])} ({', '.join(f'{escape(m)} {v:.3f}' for m, v in c['holdout_auc'].items())})</li>"
        for k, c in fidelity.get("model_choice", {}).items()
    )
    return ("<section><h2>Fidelity <small>5-fold ROC AUC of a gradient-boosting classifier telling real from synthetic rows, "
            "on neutral columns (learnt columns, lookup keys) with parents' columns joined and child counts added; "
            f"0.5 = indistinguishable{'; mean ' + format(mean, '.3f') if mean is not None else ''}</small></h2>"
            f"<table class=grid>{head}{''.join(rows)}</table>"
            + (f"<h3>Models chosen by holdout AUC</h3><ul>{choices}</ul>" if choices else "") + "</section>")
