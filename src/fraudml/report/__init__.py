"""``fraudml report``: a scored batch as one self-contained HTML page for analysts (no network)."""
