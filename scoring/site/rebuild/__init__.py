"""Everything that keeps work from one build to the next, and the one rule for what
invalidates what.

A `mkdocs serve` session keeps one ``KeptBetweenBuilds`` (session.py): the load cache, the
last scoring, the page folder, the memo and the theme's compiled templates. What is kept:

- the load cache (scoring/proposals/loading.py), by each file's path and content: an
  unchanged file gives back the very same Proposal object;
- the last scoring (``rescore``, scoring/model/scorecard.py): a card is kept while its
  Proposal object and the rubric object are the same;
- the one memo (memo.py), for everything derived from cards: pages, table rows, rows.json
  rows, portfolio.csv lines, portfolio.json entries, proposal pages on disk (pagefiles.py);
- compiled templates (templates.py): the environments, their code on disk, the theme's.

The rule. Every memo entry is kept under a key of plain values (what the thing shows,
compared by equality) with the objects it was made from (compared by identity, so any edit
to a proposal, which gives a new object, misses). Pages add to their key what any page may
show of the whole portfolio (the summary and the invalid files). Each build begins with a
context, the rubric, output_dir, use_directory_urls, the template folders and a fingerprint
of every template file: when it differs from the last build's, everything kept is dropped.
At its end, whatever the build did not ask for is dropped. Files kept on disk are checked
before use: proposal pages by size and modification time, compiled code by its source.
Outside serve (`mkdocs build`, build-docs, render) the memo is not used.

tests/test_site_layer.py changes exactly what each key covers and sees the page change,
and changes something it does not cover and sees the page kept; tests/test_dirty_build.py
compares a rebuild after an edit with a full build.
"""
