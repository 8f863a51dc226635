// The maintainer-kg explorer: search entities, draw a view of the graph, show profiles with evidence.
// Everything it shows comes from the API of the server that serves it (no external URL).
(function () {
  "use strict";

  const LIMIT_CHOICES = [50, 150, 500, 1000, 5000];
  // Above this many nodes the force layout (cose) takes over a second; concentric stays fast (docs/explorer.md).
  const COSE_MAX_NODES = 150;
  const FALLBACK_COLOUR = "#a0a0a0";
  const MAX_FIT_ZOOM = 1.3;
  const LABELLED_HUBS = 100;

  const state = {
    config: null,
    focus: null, // entity id the view is centred on, or null for the best-connected overview
    expanded: false, // true once a neighbourhood was added to the view
    selected: null,
    searchSeq: 0,
    viewSeq: 0,
    lastRender: null,
  };

  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    fill(node, ...children);
    return node;
  }

  // Append children (nodes or text), skipping null and undefined.
  function fill(node, ...children) {
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function refill(node, ...children) {
    node.replaceChildren();
    return fill(node, ...children);
  }

  async function getJSON(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    let body = null;
    try {
      body = await response.json();
    } catch (error) {
      body = null;
    }
    if (!response.ok) {
      const detail = body && body.detail ? body.detail : `${response.status} ${response.statusText}`;
      throw new Error(typeof detail === "string" ? detail : JSON.stringify(detail));
    }
    return body;
  }

  function setStatus(text, isError) {
    const status = $("status");
    status.textContent = text;
    status.classList.toggle("error", Boolean(isError));
  }

  function colourOf(type) {
    return (state.config && state.config.colours[type]) || FALLBACK_COLOUR;
  }

  // ------------------------------------------------------------------------------------------ filters

  function checked(containerId) {
    return Array.from($(containerId).querySelectorAll("input[type=checkbox]"))
      .filter((box) => box.checked)
      .map((box) => box.value);
  }

  function allChecked(containerId) {
    const boxes = $(containerId).querySelectorAll("input[type=checkbox]");
    return Array.from(boxes).every((box) => box.checked);
  }

  // Filter parameters for /graph and /export; an all-checked group is no filter at all.
  function filterParams() {
    const params = new URLSearchParams();
    // An empty value means "none of them"; leaving the parameter out means "all".
    if (!allChecked("type-filters")) params.set("types", checked("type-filters").join(","));
    if (!allChecked("predicate-filters")) params.set("predicates", checked("predicate-filters").join(","));
    return params;
  }

  function buildFilters(config) {
    const types = $("type-filters");
    for (const type of config.types) {
      types.append(
        el("label", {},
          el("input", { type: "checkbox", value: type, checked: true, "data-filter": "type" }),
          el("span", { class: "swatch", style: `background:${colourOf(type)}` }),
          type)
      );
    }
    const predicates = $("predicate-filters");
    for (const predicate of config.predicates) {
      predicates.append(
        el("label", {},
          el("input", { type: "checkbox", value: predicate, checked: true, "data-filter": "predicate" }),
          predicate)
      );
    }
    for (const box of document.querySelectorAll("[data-filter]")) {
      box.addEventListener("change", () => {
        updateExportLinks();
        loadView(state.focus);
      });
    }
    const legend = $("legend");
    for (const type of config.types) {
      legend.append(el("span", {}, el("span", { class: "swatch", style: `background:${colourOf(type)}` }), type));
    }
    const limit = $("limit");
    for (const choice of LIMIT_CHOICES.filter((n) => n <= config.max_view_nodes)) {
      limit.append(el("option", { value: choice, selected: choice === config.default_view_nodes }, choice));
    }
    limit.addEventListener("change", () => loadView(state.focus));
    $("isolated").addEventListener("change", () => loadView(state.focus));
    $("layout").addEventListener("change", () => runLayout());
  }

  // ------------------------------------------------------------------------------------------- canvas

  let cy = null;
  let cyLarge = false;

  // Large views pan and zoom as a bitmap and hide edges while moving, so they stay smooth; these are
  // options of the renderer, so the canvas is rebuilt when a view crosses the size threshold.
  function createCanvas(large) {
    const kept = cy ? cy.elements().jsons() : [];
    if (cy) cy.destroy();
    cyLarge = Boolean(large);
    cy = cytoscape({
      container: $("cy"),
      elements: kept,
      minZoom: 0.05,
      maxZoom: 4,
      textureOnViewport: cyLarge,
      hideEdgesOnViewport: cyLarge,
      style: canvasStyle(cyLarge),
    });
    cy.on("tap", "node", (event) => showProfile(event.target.id()));
    cy.on("dbltap", "node", (event) => expand(event.target.id()));
    cy.on("tap", "edge", (event) => showProfile(event.target.data("source")));
  }

  // Styles map data (no per-element functions), so thousands of nodes style quickly; large views draw
  // straight edges without labels, the costliest part of a frame.
  function canvasStyle(large) {
    const types = (state.config && state.config.types) || [];
    return [
      {
        selector: "node",
        style: {
          "background-color": FALLBACK_COLOUR,
          // Large views label only their hubs (class "hub"): thousands of labels are unreadable and
          // measuring them dominates the time to draw.
          label: large ? "" : "data(label)",
          "font-size": 10,
          "text-valign": "bottom",
          "text-margin-y": 3,
          "text-wrap": "ellipsis",
          "text-max-width": 120,
          color: "#333",
          "min-zoomed-font-size": 7,
          width: "mapData(degree, 0, 60, 14, 40)",
          height: "mapData(degree, 0, 60, 14, 40)",
        },
      },
      ...types.map((type) => ({
        selector: `node[type = ${JSON.stringify(type)}]`,
        style: { "background-color": colourOf(type) },
      })),
      { selector: "node.hub, node.focus, node:selected", style: { label: "data(label)" } },
      { selector: "node.focus", style: { "border-width": 3, "border-color": "#222" } },
      { selector: "node:selected", style: { "border-width": 3, "border-color": "#d4a017" } },
      {
        selector: "edge",
        style: large
          ? { width: 1, "line-color": "#c8c8c8", "curve-style": "haystack", "haystack-radius": 0 }
          : {
            width: "mapData(confidence, 0, 1, 1, 3)",
            "line-color": "#b9b9b9",
            "target-arrow-color": "#b9b9b9",
            "target-arrow-shape": "triangle",
            "arrow-scale": 0.8,
            "curve-style": "bezier",
            label: "data(predicate)",
            "font-size": 8,
            color: "#777",
            "text-rotation": "autorotate",
            "min-zoomed-font-size": 9,
          },
      },
      { selector: "edge:selected", style: { "line-color": "#d4a017", "target-arrow-color": "#d4a017" } },
    ];
  }

  function chosenLayout(count) {
    const choice = $("layout").value;
    if (choice !== "auto") return choice;
    // One entity's neighbourhood reads best as a star around it; anything else gets the force layout.
    if (starView()) return "concentric";
    return count <= COSE_MAX_NODES ? "cose" : "concentric";
  }

  // True when the canvas shows just the focus and the entities one fact away from it.
  function starView() {
    return Boolean(state.focus) && !state.expanded && cy.getElementById(state.focus).nonempty();
  }

  function layoutOptions(name, eles) {
    if (name === "cose") {
      return {
        name: "cose",
        animate: false,
        randomize: true,
        nodeRepulsion: () => 12000,
        idealEdgeLength: () => 90,
        nodeDimensionsIncludeLabels: true,
        numIter: 400,
        fit: true,
        padding: 30,
        eles,
      };
    }
    const star = starView();
    return {
      name: "concentric",
      animate: false,
      fit: true,
      padding: 30,
      minNodeSpacing: star ? 110 : 6,
      concentric: star ? (node) => (node.id() === state.focus ? 2 : 1) : ringsByDegree(eles.nodes()),
      levelWidth: () => 1,
      eles,
    };
  }

  // Concentric rings by degree rank: hubs in the middle, and ring i holds about 6(2i+1) nodes, so ring
  // sizes grow with their radius and the disc is evenly filled (ranking by raw degree would put
  // thousands of degree-1 nodes on one huge ring).
  function ringsByDegree(nodes) {
    const ranked = nodes.toArray().sort((a, b) => (b.data("degree") || 0) - (a.data("degree") || 0) || (a.id() < b.id() ? -1 : 1));
    const ring = new Map(ranked.map((node, rank) => [node.id(), Math.floor(Math.sqrt(rank / 6))]));
    return (node) => -ring.get(node.id());
  }

  // Lay out the whole canvas; resolves with the milliseconds the layout took.
  function runLayout() {
    return new Promise((resolve) => {
      const started = performance.now();
      const layout = cy.layout(layoutOptions(chosenLayout(cy.nodes().length), cy.elements()));
      layout.one("layoutstop", () => {
        // A few nodes fitted to the canvas would be drawn huge; keep them at a readable size.
        if (cy.zoom() > MAX_FIT_ZOOM) {
          cy.zoom(MAX_FIT_ZOOM);
          cy.center();
        }
        resolve(performance.now() - started);
      });
      layout.run();
    });
  }

  function nextFrame() {
    return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  }

  // Replace (or, with `merge`, extend) the canvas with these elements; returns timings in ms.
  async function render(elements, { merge = false } = {}) {
    const started = performance.now();
    const large = elements.nodes.length + (merge ? cy.nodes().length : 0) > COSE_MAX_NODES;
    if (large !== cyLarge) {
      if (!merge) cy.elements().remove();
      createCanvas(large);
    }
    cy.startBatch();
    if (!merge) cy.elements().remove();
    const fresh = elements.nodes.filter((node) => cy.getElementById(node.data.id).empty());
    cy.add(fresh.map((node) => ({ group: "nodes", data: node.data })));
    const edges = elements.edges.filter((edge) => cy.getElementById(edge.data.id).empty());
    cy.add(edges.map((edge) => ({ group: "edges", data: edge.data })));
    if (cyLarge) {
      cy.nodes().removeClass("hub");
      const ranked = cy.nodes().sort((a, b) => (b.data("degree") || 0) - (a.data("degree") || 0));
      ranked.slice(0, LABELLED_HUBS).addClass("hub");
    }
    cy.endBatch();
    cy.nodes().removeClass("focus");
    if (state.focus) cy.getElementById(state.focus).addClass("focus");
    const added = performance.now();
    const layoutMs = await runLayout();
    await nextFrame();
    const total = performance.now() - started;
    state.lastRender = {
      nodes: cy.nodes().length,
      edges: cy.edges().length,
      layout: chosenLayout(cy.nodes().length),
      addMs: added - started,
      layoutMs,
      totalMs: total,
    };
    return state.lastRender;
  }

  function describeView(view) {
    const shown = cy.nodes().length;
    const what = view.focus ? `neighbourhood of ${labelOf(view.focus)}` : "best-connected entities";
    let text = `${shown} entities, ${cy.edges().length} facts — ${what}`;
    if (view.truncated) text += ` (capped: ${view.total_nodes} in this view; raise "max" to see more)`;
    if (shown === 0) text = "Nothing to show: no entities match the filters. Add documents with POST /documents.";
    return text;
  }

  function labelOf(id) {
    const node = cy.getElementById(id);
    return node.nonempty() ? node.data("label") : id;
  }

  async function loadView(focus, { merge = false } = {}) {
    const seq = ++state.viewSeq;
    const params = filterParams();
    params.set("limit", $("limit").value || String(state.config.default_view_nodes));
    if ($("isolated").checked) params.set("isolated", "true");
    if (focus) {
      params.set("focus", focus);
      params.set("hops", "1");
    }
    setStatus("Loading…");
    let view;
    try {
      view = await getJSON(`/graph?${params}`);
    } catch (error) {
      if (seq === state.viewSeq) setStatus(`Could not load the graph: ${error.message}`, true);
      return null;
    }
    if (seq !== state.viewSeq) return null; // a newer request won
    if (!merge) {
      state.focus = focus || null;
      state.expanded = false;
    }
    await render(view.elements, { merge });
    setStatus(describeView(view));
    if (state.selected) cy.getElementById(state.selected).select();
    return view;
  }

  function expand(id) {
    state.focus = id;
    state.expanded = true;
    return loadView(id, { merge: true });
  }

  // ------------------------------------------------------------------------------------------- search

  async function search(query) {
    const seq = ++state.searchSeq;
    const list = $("results");
    const status = $("results-status");
    const q = query.trim();
    if (!q) {
      list.replaceChildren();
      status.textContent = "Type a name to search.";
      return;
    }
    status.textContent = "Searching…";
    // /search ranks and forgives typos; /entities (a plain substring filter) is the fallback.
    const route = state.config.search_route || "/entities";
    let found;
    try {
      found = await getJSON(`${route}?${new URLSearchParams({ q, limit: "50" })}`);
    } catch (error) {
      if (seq === state.searchSeq) status.textContent = `Search failed: ${error.message}`;
      return;
    }
    if (seq !== state.searchSeq) return;
    const items = Array.isArray(found) ? found : found.items;
    const total = Array.isArray(found) ? items.length : found.total;
    status.textContent = items.length ? `${total} found` : `Nothing named “${q}”.`;
    refill(list,
      ...items.map((entity) =>
        el("li", {},
          el("button", {
            type: "button",
            class: "result",
            "data-id": entity.key,
            onclick: () => selectEntity(entity.key),
          },
          el("span", { class: "type-tag", style: `background:${colourOf(entity.type)}` }, entity.type),
          " ",
          el("strong", {}, entity.name),
          entity.matched && entity.matched !== entity.name
            ? el("span", { class: "aka" }, `${entity.field || "matched"}: ${entity.matched}`)
            : null,
          entity.aliases && entity.aliases.length
            ? el("span", { class: "aka" }, `also: ${entity.aliases.join(", ")}`)
            : null))
      )
    );
  }

  // Centre on an entity and show its profile; the address (#id) follows, so it can be shared and Back
  // returns to the previous entity.
  async function selectEntity(id, { remember = true } = {}) {
    if (remember && decodeURIComponent(location.hash.slice(1)) !== id) history.pushState(null, "", `#${id}`);
    await Promise.all([showProfile(id), loadView(id)]);
  }

  function entityInAddress() {
    return decodeURIComponent(location.hash.slice(1)).trim() || null;
  }

  // ------------------------------------------------------------------------------------------ profile

  function documentLink(evidence) {
    const id = evidence.document_id;
    return el("a", {
      href: `/documents/${encodeURI(id)}`,
      class: "document",
      title: `characters ${evidence.start}–${evidence.end} of the raw file`,
      target: "_blank",
      rel: "noopener",
    }, id);
  }

  function factItem(fact, direction, self) {
    const other = el("button", {
      type: "button",
      class: "other",
      "data-id": fact.other.key,
      onclick: () => selectEntity(fact.other.key),
    }, fact.other.name);
    const selfName = el("span", {}, self.name);
    const head = direction === "out"
      ? el("div", { class: "head" }, selfName, el("span", { class: "predicate" }, fact.predicate), other)
      : el("div", { class: "head" }, other, el("span", { class: "predicate" }, fact.predicate), selfName);
    const confidence = typeof fact.confidence === "number" ? fact.confidence.toFixed(2) : "—";
    return el("li", { class: "fact", "data-predicate": fact.predicate },
      head,
      el("blockquote", { class: "evidence" }, fact.evidence.text),
      el("div", { class: "meta" },
        el("span", {}, `confidence ${confidence}`),
        fact.since ? el("span", {}, `since ${fact.since}`) : null,
        fact.evidence.date ? el("span", {}, fact.evidence.date) : null,
        el("span", {}, `chars ${fact.evidence.start}–${fact.evidence.end}`),
        documentLink(fact.evidence)));
  }

  async function showProfile(id) {
    const panel = $("profile");
    state.selected = id;
    cy.elements().unselect();
    cy.getElementById(id).select();
    refill(panel, el("p", { class: "muted" }, "Loading…"));
    let profile;
    try {
      profile = await getJSON(`/entities/${encodeURI(id)}`);
    } catch (error) {
      if (state.selected === id) {
        refill(panel, el("p", { class: "error-text" }, `Could not load ${id}: ${error.message}`));
      }
      return;
    }
    if (state.selected !== id) return;
    const names = [...(profile.aliases || []), ...(profile.handles || []).map((h) => `@${h}`)];
    refill(panel, 
      el("h3", { id: "profile-name" }, profile.name),
      el("span", { class: "type-tag", style: `background:${colourOf(profile.type)}` }, profile.type),
      names.length ? el("p", { class: "names" }, `Also known as: ${names.join(", ")}`) : null,
      el("p", { class: "muted" }, `id ${profile.key} · named in ${profile.documents.length} document(s)`),
      el("div", { class: "actions" },
        el("button", { type: "button", id: "expand", onclick: () => expand(id) }, "Expand neighbourhood"),
        el("button", { type: "button", onclick: () => loadView(id) }, "Centre on it")),
      el("h4", {}, `Facts from ${profile.name} (${profile.facts_out.length})`),
      el("ul", { class: "facts", id: "facts-out" }, ...profile.facts_out.map((f) => factItem(f, "out", profile))),
      el("h4", {}, `Facts about ${profile.name} (${profile.facts_in.length})`),
      el("ul", { class: "facts", id: "facts-in" }, ...profile.facts_in.map((f) => factItem(f, "in", profile))),
      profile.documents.length
        ? el("div", {},
          el("h4", {}, "Documents"),
          el("ul", {}, ...profile.documents.map((doc) =>
            el("li", {}, el("a", { href: `/documents/${encodeURI(doc)}`, target: "_blank", rel: "noopener" }, doc)))))
        : null
    );
  }

  // ----------------------------------------------------------------------------------------- download

  function downloadView() {
    const data = {
      format_version: "1.0",
      generated_by: "maintainer-kg explorer",
      target_cytoscapejs_version: "~3.0",
      data: { name: "maintainer-kg view", focus: state.focus, filters: Object.fromEntries(filterParams()) },
      elements: cy.json().elements || { nodes: [], edges: [] },
    };
    const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
    const url = URL.createObjectURL(blob);
    const name = state.focus ? `view-${state.focus.replace(/[^A-Za-z0-9_-]+/g, "-")}.cyjs` : "view.cyjs";
    const link = el("a", { href: url, download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  // The current filters under the names /export takes: `types=A,B` or, for a singular name, `type=A&type=B`.
  function exportFilterParams() {
    const accepted = new Set(state.config.export_parameters || []);
    const out = new URLSearchParams();
    for (const [name, value] of filterParams()) {
      const singular = name.replace(/s$/, "");
      if (accepted.has(name)) out.set(name, value);
      else if (accepted.has(singular)) for (const part of value.split(",")) out.append(singular, part);
    }
    return out;
  }

  function updateExportLinks() {
    const formats = state.config ? state.config.export_formats : [];
    $("export-block").hidden = formats.length === 0;
    const params = exportFilterParams();
    refill($("export-links"),
      ...formats.map((format) => {
        const query = new URLSearchParams({ format: format.name });
        for (const [name, value] of params) query.append(name, value);
        return el("li", {},
          el("a", { href: `/export?${query}`, download: `maintainer-kg${format.extension}`, title: format.description },
            format.name),
          el("span", { class: "muted" }, ` — ${format.description}`));
      })
    );
  }

  // ---------------------------------------------------------------------------------------- measuring

  // A deterministic synthetic graph (n nodes, about 1.5 n edges, skewed degrees) for measuring rendering.
  function syntheticElements(n) {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const types = state.config.types;
    const predicates = state.config.predicates;
    const nodes = [];
    for (let i = 0; i < n; i += 1) {
      nodes.push({ data: { id: `synthetic/${i}`, label: `Entity ${i}`, type: types[i % types.length], degree: 0 } });
    }
    const edges = [];
    for (let i = 1; i < n; i += 1) {
      const targets = random() < 0.5 ? 1 : 2;
      for (let k = 0; k < targets; k += 1) {
        const j = Math.floor(Math.pow(random(), 2) * i); // early nodes become hubs
        edges.push({
          data: {
            id: `synthetic/${i}|${k}|${j}`,
            source: `synthetic/${i}`,
            target: `synthetic/${j}`,
            predicate: predicates[(i + k) % predicates.length],
            confidence: 0.5,
          },
        });
        nodes[i].data.degree += 1;
        nodes[j].data.degree += 1;
      }
    }
    return { nodes, edges };
  }

  async function measure(n, layout) {
    $("layout").value = layout || "auto";
    state.focus = null;
    const timings = await render(syntheticElements(n));
    // One zoom step as the mouse wheel makes it, until it is on screen.
    const zoomStarted = performance.now();
    cy.zoom({ level: cy.zoom() * 1.25, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
    await nextFrame();
    timings.zoomMs = performance.now() - zoomStarted;
    setStatus(`${timings.nodes} synthetic entities drawn in ${Math.round(timings.totalMs)} ms (${timings.layout})`);
    return timings;
  }

  // --------------------------------------------------------------------------------------------- start

  async function start() {
    $("search-form").addEventListener("submit", (event) => {
      event.preventDefault();
      search($("search").value);
    });
    let typing = null;
    $("search").addEventListener("input", () => {
      clearTimeout(typing);
      typing = setTimeout(() => search($("search").value), 250);
    });
    $("show-overview").addEventListener("click", () => loadView(null));
    $("fit").addEventListener("click", () => cy.fit(undefined, 30));
    $("download-view").addEventListener("click", downloadView);
    try {
      state.config = await getJSON("/explorer/config");
    } catch (error) {
      setStatus(`Could not reach the server: ${error.message}`, true);
      return;
    }
    createCanvas(false);
    buildFilters(state.config);
    updateExportLinks();
    window.addEventListener("popstate", () => {
      const id = entityInAddress();
      if (id) selectEntity(id, { remember: false });
      else loadView(null);
    });
    const initial = entityInAddress();
    if (initial) await selectEntity(initial, { remember: false });
    else await loadView(null);
    document.body.dataset.ready = "true";
  }

  window.mkgExplorer = {
    get cy() { return cy; },
    get state() { return state; },
    loadView,
    expand,
    search,
    selectEntity,
    measure,
    syntheticElements,
  };

  start();
})();
