// A small form over the read-only /sparql endpoint: SELECT/ASK as a table, CONSTRUCT/DESCRIBE as Turtle.
(function () {
  "use strict";

  const PREFIXES = `PREFIX mkg: <https://w3id.org/maintainer-kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
`;
  const EXAMPLES = {
    "Who works where": `${PREFIXES}SELECT ?person ?organization WHERE {
  ?p mkg:worksAt ?o . ?p rdfs:label ?person . ?o rdfs:label ?organization
} ORDER BY ?person LIMIT 50`,
    "Contributions with evidence": `${PREFIXES}PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?person ?project ?evidence ?confidence WHERE {
  ?ev a mkg:FactEvidence ; rdf:subject ?p ; rdf:predicate mkg:contributedTo ; rdf:object ?j ;
      mkg:evidenceText ?evidence ; mkg:confidence ?confidence .
  ?p rdfs:label ?person . ?j rdfs:label ?project
} ORDER BY DESC(?confidence) LIMIT 50`,
    "Facts per document": `SELECT ?g (COUNT(*) AS ?triples) WHERE { GRAPH ?g { ?s ?p ?o } }
GROUP BY ?g ORDER BY DESC(?triples)`,
  };

  const $ = (id) => document.getElementById(id);

  function cell(tag, text) {
    const node = document.createElement(tag);
    node.textContent = text;
    return node;
  }

  function table(result) {
    const vars = result.head.vars || [];
    const out = document.createElement("table");
    out.id = "results-table";
    const head = out.createTHead().insertRow();
    for (const name of vars) head.append(cell("th", name));
    const body = out.createTBody();
    for (const row of result.results.bindings) {
      const line = body.insertRow();
      for (const name of vars) line.append(cell("td", row[name] ? row[name].value : ""));
    }
    return out;
  }

  async function run(event) {
    event.preventDefault();
    const status = $("sparql-status");
    const output = $("sparql-output");
    status.textContent = "Running…";
    output.replaceChildren();
    let response;
    try {
      response = await fetch("/sparql", {
        method: "POST",
        headers: {
          "Content-Type": "application/sparql-query",
          Accept: "application/sparql-results+json, text/turtle;q=0.9",
        },
        body: $("query").value,
      });
    } catch (error) {
      status.textContent = `The server did not answer: ${error.message}`;
      return;
    }
    const type = (response.headers.get("content-type") || "").split(";")[0];
    const text = await response.text();
    if (!response.ok) {
      let detail = text;
      try {
        detail = JSON.parse(text).detail || text;
      } catch (error) {
        // not JSON: show the body as it is
      }
      status.textContent = "";
      output.append(cell("p", detail));
      output.firstChild.className = "error-text";
      return;
    }
    if (type === "application/sparql-results+json") {
      const result = JSON.parse(text);
      if (typeof result.boolean === "boolean") {
        status.textContent = "";
        output.append(cell("p", `ASK: ${result.boolean}`));
        return;
      }
      status.textContent = `${result.results.bindings.length} rows`;
      output.append(table(result));
      return;
    }
    status.textContent = type;
    output.append(cell("pre", text));
  }

  const examples = $("examples");
  examples.append(new Option("Examples…", ""));
  for (const name of Object.keys(EXAMPLES)) examples.append(new Option(name, name));
  examples.addEventListener("change", () => {
    if (examples.value) $("query").value = EXAMPLES[examples.value];
  });
  $("query").value = EXAMPLES["Who works where"];
  $("sparql-form").addEventListener("submit", run);
})();
