// The admin's ontology graph: cytoscape.js over the nodes and edges the page embeds.
// Object types are round, interfaces diamonds; link types are solid edges labelled with
// their apiName and cardinality, "implements" dashed. A click on a node opens its page.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  // Force-directed up to 600 nodes (fewer iterations past 150: 2.8 s for 500 in headless
  // Chromium); beyond, a grid keeps the page responsive.
  var count = data.nodes.length, many = count > 600;
  var cy = cytoscape({
    container: document.getElementById("graph"),
    elements: data.nodes.concat(data.edges),
    wheelSensitivity: 0.3,
    minZoom: 0.05,
    maxZoom: 4,
    style: [
      { selector: "node", style: {
          "label": "data(label)", "font-size": 11, "text-valign": "bottom", "text-margin-y": 3,
          "background-color": "#417690", "width": 18, "height": 18 } },
      { selector: "node[kind = 'interface']", style: {
          "shape": "diamond", "background-color": "#f5dd5d", "border-color": "#a08800",
          "border-width": 1 } },
      { selector: "edge", style: {
          "width": 1.5, "line-color": "#79aec8", "target-arrow-color": "#79aec8",
          "target-arrow-shape": "triangle", "curve-style": "bezier", "label": "data(label)",
          "font-size": 9, "text-rotation": "autorotate", "color": "#555",
          "text-background-color": "#fff", "text-background-opacity": 0.7 } },
      { selector: "edge[kind = 'implements']", style: {
          "line-style": "dashed", "line-color": "#c9b13b", "target-arrow-color": "#c9b13b",
          "label": "" } },
      { selector: "node:selected", style: { "background-color": "#ba2121" } }
    ],
    layout: many ? { name: "grid", avoidOverlap: true, padding: 20 }
                 : { name: "cose", animate: false, randomize: true, padding: 30,
                     nodeRepulsion: function () { return 400000; }, nodeOverlap: 20,
                     idealEdgeLength: function () { return 110; }, componentSpacing: 80,
                     gravity: 0.25, numIter: count > 150 ? 300 : 1000 }
  });
  if (count > 150) { cy.style().selector("edge").style("label", "").update(); }
  cy.on("tap", "node", function (event) { window.location.href = event.target.data("url"); });
  window.omsGraph = cy;  // for the tests and the curious
})();
