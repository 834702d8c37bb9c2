"""Word pairs for fast phrase search, tags for fast tag filters (PostgreSQL only).

A GIN index cannot check that words are adjacent: a phrase (``"daily orders"``, or a column name such as
``supplier_key``, which the parser reads as the phrase ``'supplier' <-> 'key'``) used to recheck the vector of
every product that merely holds both words. Two functions fix that:

- ``catalog_search_document(tsvector, tags)`` adds to a product's vector one extra lexeme per pair of adjacent
  words, ``first_second``, and one per tag, ``#tag`` (no positions, so ranking and other matches are unaffected;
  the parser never makes a lexeme that starts with ``#``, so only the tag filter matches those);
- ``catalog_phrase_pairs(tsquery)`` rewrites each phrase of a query, ``'a' <-> 'b' <-> 'c'``, into
  ``( 'a' <-> 'b' <-> 'c' & 'a_b' & 'b_c' )``: the index now finds the few products holding those pairs and the
  exact phrase check runs on those only. A phrase that matches always has its pairs, so no match is lost. A
  two-word phrase, ``'a' <-> 'b'``, becomes ``'a_b'`` alone: the pair is there exactly when the words are
  adjacent, so the index answers without reading any document.

Both are IMMUTABLE, so PostgreSQL folds a query's rewrite once, at planning time.

``catalog_name_query(tsquery)`` restricts every word of a query to weight A, the product's name in
``search_head``: the first tier of relevance.

The document vector, now larger, is stored out of line (TOAST): testing products one by one against it is far
dearer than the planner assumes, and with a LIMIT it would walk an index or the table doing just that for rare
words. ``catalog_document_cost(id)`` is always true; the search adds it next to every document test, and its
declared COST makes the planner count that work: a bitmap scan of the GIN index when few products match, a walk
along the sort order's index when many do.
"""

from django.db import migrations

DOCUMENT_FUNCTION = r"""
CREATE OR REPLACE FUNCTION catalog_search_document(v tsvector, tags text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(v, ''::tsvector) || coalesce((
    SELECT array_to_tsvector(array_agg(DISTINCT a.lexeme || '_' || b.lexeme))
    FROM (SELECT lexeme, unnest(positions) AS p FROM unnest(v)) AS a
    JOIN (SELECT lexeme, unnest(positions) AS p FROM unnest(v)) AS b ON b.p = a.p + 1
  ), ''::tsvector) || array_to_tsvector(array(
    SELECT DISTINCT '#' || t FROM regexp_split_to_table(coalesce(tags, ''), '\s+') AS t WHERE t <> ''
  ))
$$;
"""

QUERY_FUNCTION = r"""
CREATE OR REPLACE FUNCTION catalog_phrase_pairs(q tsquery) RETURNS tsquery
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  tokens text[];
  n int;
  out text[] := '{}';
  pairs text[];
  i int := 1;
  j int;
  a text;
  b text;
BEGIN
  -- Tokens of the query's text form: quoted lexemes (with optional :weights or :*), phrase operators, the rest.
  SELECT array_agg(m.t[1] ORDER BY m.ord) INTO tokens
  FROM regexp_matches(q::text, '(''(?:[^'']|'''')*''(?::[*A-D]+)?|<->|<[0-9]+>|[()!&|])', 'g')
       WITH ORDINALITY AS m(t, ord);
  n := coalesce(array_length(tokens, 1), 0);
  WHILE i <= n LOOP
    j := i;
    IF left(tokens[i], 1) = '''' THEN
      -- The longest run "lexeme op lexeme op lexeme ..." with phrase operators (<-> or <N>).
      WHILE j + 2 <= n AND left(tokens[j + 1], 1) = '<' AND left(tokens[j + 2], 1) = '''' LOOP
        j := j + 2;
      END LOOP;
    END IF;
    -- Only a whole phrase, not a part of a larger one and not under a prefix "!": ( & | or an end around it.
    IF j > i AND (i = 1 OR tokens[i - 1] IN ('(', '&', '|')) AND (j = n OR tokens[j + 1] IN (')', '&', '|')) THEN
      pairs := '{}';
      FOR k IN i .. j - 2 BY 2 LOOP
        a := tokens[k];
        b := tokens[k + 2];
        IF tokens[k + 1] = '<->' AND right(a, 1) = '''' AND right(b, 1) = '''' THEN
          pairs := pairs || ('''' || substr(a, 2, length(a) - 2) || '_' || substr(b, 2, length(b) - 2) || '''');
        END IF;
      END LOOP;
      IF j = i + 2 AND cardinality(pairs) = 1 THEN
        -- A two-word phrase is its pair: the pair is in the document exactly when the words are adjacent there.
        out := out || pairs[1];
      ELSIF cardinality(pairs) > 0 THEN
        out := out || '('::text || tokens[i:j] || '&'::text || array_to_string(pairs, ' & ') || ')'::text;
      ELSE
        out := out || tokens[i:j];
      END IF;
      i := j + 1;
    ELSE
      out := out || tokens[i];
      i := i + 1;
    END IF;
  END LOOP;
  RETURN array_to_string(out, ' ')::tsquery;
END
$$;
"""


NAME_FUNCTION = r"""
CREATE OR REPLACE FUNCTION catalog_name_query(q tsquery) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT regexp_replace(q::text, '(''(?:[^'']|'''')*'')', '\1:A', 'g')::tsquery
$$;
"""

COST_FUNCTION = r"""
CREATE OR REPLACE FUNCTION catalog_document_cost(bigint) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 400 AS $$
BEGIN
  RETURN true;
END
$$;
"""


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(DOCUMENT_FUNCTION)
    schema_editor.execute(QUERY_FUNCTION)
    schema_editor.execute(NAME_FUNCTION)
    schema_editor.execute(COST_FUNCTION)
    schema_editor.execute("UPDATE catalog_dataproduct SET search_vector = "
                          "catalog_search_document(search_vector, tag_text) WHERE search_vector IS NOT NULL")


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    # Drop the pairs and tags (position-less lexemes) from the stored vectors, then the functions.
    schema_editor.execute("UPDATE catalog_dataproduct SET search_vector = ts_filter(search_vector, '{a,b,c,d}') "
                          "WHERE search_vector IS NOT NULL")
    schema_editor.execute("DROP FUNCTION IF EXISTS catalog_phrase_pairs(tsquery)")
    schema_editor.execute("DROP FUNCTION IF EXISTS catalog_document_cost(bigint)")
    schema_editor.execute("DROP FUNCTION IF EXISTS catalog_name_query(tsquery)")
    schema_editor.execute("DROP FUNCTION IF EXISTS catalog_search_document(tsvector, text)")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_search_head")]
    operations = [migrations.RunPython(forward, backward)]
