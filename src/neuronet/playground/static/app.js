// neuronet playground: the page. All state is one `settings` object, mirrored in the URL hash;
// the server (neuronet itself) trains and sends back what to draw.
"use strict";

const COLOURS = [[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189]];
let menus = null;           // [[value, label], ...] per menu, from the server's registries
const $ = (id) => document.getElementById(id);

let settings = null;        // what the server runs
let defaults = null;
let limits = null;
let socket = null;
let state = null;           // the last state from the server
let playing = false;

// --- settings <-> URL --------------------------------------------------------------------
const NUMBER_FIELDS = ["classes", "noise", "samples", "train_ratio", "seed", "lr", "batch_size", "l2", "l1"];
const TEXT_FIELDS = ["problem", "dataset", "loss", "optimizer", "lr_schedule", "gradient", "kernels"];

function toHash(s) {
  const parts = [...TEXT_FIELDS, ...NUMBER_FIELDS].map((k) => `${k}=${encodeURIComponent(s[k])}`);
  parts.push("layers=" + s.layers.map((l) => `${l.neurons}:${l.activation}`).join(","));
  parts.push("features=" + s.features.map(encodeURIComponent).join(","));
  parts.push(`discretize=${s.discretize}`);
  return "#" + parts.join("&");
}

function fromHash(hash, base) {
  const s = JSON.parse(JSON.stringify(base));
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  for (const k of TEXT_FIELDS) if (params.has(k)) s[k] = params.get(k);
  for (const k of NUMBER_FIELDS) if (params.has(k) && params.get(k) !== "" && !isNaN(Number(params.get(k)))) s[k] = Number(params.get(k));
  if (params.has("features")) s.features = params.get("features").split(",").filter((name) => name !== "");
  if (params.has("discretize")) s.discretize = params.get("discretize") === "true";
  if (params.has("layers")) {
    const text = params.get("layers");
    s.layers = text === "" ? [] : text.split(",").map((part) => {
      const [n, a] = part.split(":");
      return { neurons: Number(n), activation: a };
    });
  }
  return s;
}

// --- talking to the server -----------------------------------------------------------------
function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function configure() {
  history.replaceState(null, "", toHash(settings));
  showControls();
  send({ type: "configure", settings });
}

function connect() {
  socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  socket.onopen = () => { $("status").textContent = "connected"; };
  socket.onclose = () => { $("status").textContent = "disconnected: reload the page"; setPlaying(false); };
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "hello") {
      limits = message.limits;
      defaults = message.defaults;
      menus = message.menus;
      for (const id of ["problem", "optimizer", "lr_schedule", "gradient", "kernels"]) fillMenu(id, menus[id]);
      fillFeatures(menus.features);
      settings = fromHash(location.hash, defaults);
      configure();
    } else if (message.type === "state") {
      state = message;
      hideError();
      $("status").textContent = "connected";
      setPlaying(message.playing);  // the server's word: a step or an error pauses it
      draw();
    } else if (message.type === "error") {
      showError(message.message);
    } else if (message.type === "queued") {
      $("status").textContent = message.message;
    } else if (message.type === "model") {
      const bytes = Uint8Array.from(atob(message.data), (c) => c.charCodeAt(0));
      save(new Blob([bytes], { type: "application/octet-stream" }), message.filename);
    } else if (message.type === "weights") {
      save(new Blob([JSON.stringify(message.data, null, 1)], { type: "application/json" }), message.filename);
    }
  };
}

function save(blob, filename) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
}

function showError(text) { const box = $("error"); box.textContent = text; box.hidden = false; }
function hideError() { $("error").hidden = true; }

function setPlaying(on) {
  playing = on;
  $("play").innerHTML = on ? "&#10074;&#10074; pause" : "&#9654; play";
}

// --- controls --------------------------------------------------------------------------------
const regression = () => settings.problem === "regression";

function showControls() {
  $("problem").value = settings.problem;
  fillMenu("dataset", menus[regression() ? "regression_dataset" : "dataset"]);
  fillMenu("loss", menus[regression() ? "regression_loss" : "loss"]);
  $("dataset").value = settings.dataset;
  $("classes").value = settings.classes;
  $("noise").value = settings.noise; $("noise-value").textContent = settings.noise;
  $("ratio").value = settings.train_ratio; $("ratio-value").textContent = settings.train_ratio;
  $("samples").value = settings.samples;
  $("seed").value = settings.seed;
  $("loss").value = settings.loss;
  $("optimizer").value = settings.optimizer;
  $("lr_schedule").value = settings.lr_schedule;
  selectNumber("lr", settings.lr);
  $("batch").value = settings.batch_size;
  selectNumber("l2", settings.l2);
  selectNumber("l1", settings.l1);
  $("gradient").value = settings.gradient;
  $("kernels").value = settings.kernels;
  $("discretize").checked = settings.discretize;
  for (const box of document.querySelectorAll("#features input")) box.checked = settings.features.includes(box.value);
  $("layer-count").textContent = `${settings.layers.length} hidden layer${settings.layers.length === 1 ? "" : "s"}`;
  buildNetwork();
}

// The choices of a menu, as the server lists them (no list of names lives in the page).
function fillMenu(id, pairs) {
  const select = $(id);
  select.innerHTML = "";
  for (const [value, label] of pairs) select.add(new Option(label, value));
}

// One checkbox per input feature the server offers; the network takes the checked ones.
function fillFeatures(pairs) {
  const box = $("features");
  box.querySelectorAll("label").forEach((label) => label.remove());
  for (const [value, label] of pairs) {
    const item = document.createElement("label");
    item.className = "check";
    const input = document.createElement("input");
    input.type = "checkbox";
    input.value = value;
    input.addEventListener("change", () => {
      const chosen = [...box.querySelectorAll("input:checked")].map((i) => i.value);
      if (chosen.length === 0) { input.checked = true; return; }  // a network needs an input
      settings.features = chosen;
      configure();
    });
    item.append(input, document.createTextNode(label));
    box.append(item);
  }
}

// Select the option equal to `value`, adding it when a shared URL holds one the list lacks.
function selectNumber(id, value) {
  const select = $(id);
  if (![...select.options].some((o) => Number(o.value) === value)) select.add(new Option(String(value)));
  select.value = [...select.options].find((o) => Number(o.value) === value).value;
}

function bind(id, field, parse, event = "change") {
  $(id).addEventListener(event, () => {
    settings[field] = parse($(id).value);
    configure();
  });
}

function setUpControls() {
  const controls = [["dataset", "dataset", String], ["classes", "classes", Number], ["noise", "noise", Number],
    ["ratio", "train_ratio", Number], ["samples", "samples", Number], ["seed", "seed", Number],
    ["loss", "loss", String], ["optimizer", "optimizer", String], ["lr", "lr", Number],
    ["lr_schedule", "lr_schedule", String],
    ["batch", "batch_size", Number], ["l2", "l2", Number], ["l1", "l1", Number],
    ["gradient", "gradient", String],
    ["kernels", "kernels", String]];
  for (const [id, field, parse] of controls) bind(id, field, parse);
  $("noise").addEventListener("input", () => { $("noise-value").textContent = $("noise").value; });
  $("ratio").addEventListener("input", () => { $("ratio-value").textContent = $("ratio").value; });
  $("show-test").addEventListener("change", draw);
  $("discretize").addEventListener("change", () => { settings.discretize = $("discretize").checked; configure(); });
  $("problem").addEventListener("change", () => {  // another kind of data: its first dataset, a loss for it
    settings.problem = $("problem").value;
    settings.dataset = menus[regression() ? "regression_dataset" : "dataset"][0][0];
    settings.loss = regression() ? menus.regression_loss[0][0] : defaults.loss;
    configure();
  });
  $("play").addEventListener("click", () => { setPlaying(!playing); send({ type: playing ? "play" : "pause" }); });
  $("step").addEventListener("click", () => { setPlaying(false); send({ type: "step" }); });
  $("reset").addEventListener("click", () => { setPlaying(false); send({ type: "pause" }); send({ type: "reset" }); });
  $("add-layer").addEventListener("click", () => {
    if (settings.layers.length >= limits.max_layers) return;
    const last = settings.layers[settings.layers.length - 1];
    settings.layers.push({ neurons: last ? last.neurons : 4, activation: last ? last.activation : "tanh" });
    configure();
  });
  $("remove-layer").addEventListener("click", () => {
    if (settings.layers.length === 0) return;
    settings.layers.pop();
    configure();
  });
  $("upload").addEventListener("change", async () => {
    const file = $("upload").files[0];
    if (!file) return;
    if (file.size > limits.max_upload_bytes) { showError(`upload: the file is larger than 1 MB`); return; }
    const text = await file.text();
    settings.dataset = "upload";
    if (regression()) { settings.problem = "classification"; settings.loss = defaults.loss; }  // labels: classes
    history.replaceState(null, "", toHash(settings));
    showControls();
    send({ type: "upload", csv: text });
  });
  $("download").addEventListener("click", () => send({ type: "download" }));
  $("export").addEventListener("click", () => send({ type: "export" }));
}

// --- the network diagram ---------------------------------------------------------------------
function buildNetwork() {
  const root = $("network");
  root.innerHTML = "";
  const label = Object.fromEntries(menus.features);
  const names = settings.features.map((name) => label[name] || name);
  const columns = [{ neurons: settings.features.length, label: "input", names },
                   ...settings.layers.map((l, i) => ({ ...l, index: i })),
                   { neurons: state ? state.outputs : (regression() ? 1 : 2), label: "output" }];
  columns.forEach((column, c) => {
    const layer = document.createElement("div");
    layer.className = "layer";
    const controls = document.createElement("div");
    controls.className = "controls";
    if (column.label) {
      controls.textContent = column.label;
    } else {
      const minus = document.createElement("button"); minus.textContent = "−"; minus.title = "fewer neurons";
      const plus = document.createElement("button"); plus.textContent = "+"; plus.title = "more neurons";
      const count = document.createElement("span"); count.textContent = column.neurons;
      minus.onclick = () => { if (column.neurons > 1) { settings.layers[column.index].neurons--; configure(); } };
      plus.onclick = () => { if (column.neurons < limits.max_neurons) { settings.layers[column.index].neurons++; configure(); } };
      const select = document.createElement("select");
      for (const [name, label] of menus.activation) select.add(new Option(label, name));
      select.value = column.activation;
      select.onchange = () => { settings.layers[column.index].activation = select.value; configure(); };
      controls.append(minus, count, plus);
      layer.append(controls, select);
    }
    if (column.label) layer.append(controls);
    for (let n = 0; n < column.neurons; n++) {
      const canvas = document.createElement("canvas");
      canvas.width = canvas.height = limits ? limits.neuron_grid : 20;
      canvas.className = "neuron";
      canvas.dataset.layer = c;
      canvas.dataset.neuron = n;
      layer.append(canvas);
      if (column.names) {
        canvas.title = column.names[n];
        const name = document.createElement("span");
        name.className = "neuron-name";
        name.textContent = column.names[n];
        layer.append(name);
      }
    }
    root.append(layer);
  });
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.classList.add("edges");
  root.prepend(svg);
}

function drawNetwork() {
  const root = $("network");
  const expected = settings.layers.length + 2;
  const outputs = root.querySelectorAll(`.neuron[data-layer="${expected - 1}"]`).length;
  const inputs = root.querySelectorAll('.neuron[data-layer="0"]').length;
  if (root.querySelectorAll(".layer").length !== expected || outputs !== state.outputs
      || inputs !== state.inputs.length) buildNetwork();
  const size = state.neurons.length ? state.neurons[0][0].length : 0;
  const grid = Math.round(Math.sqrt(size)) || limits.neuron_grid;
  // input neurons: each feature (x1, x2, x1², ...) over the plane
  root.querySelectorAll('.neuron[data-layer="0"]').forEach((canvas, n) => {
    if (state.inputs[n]) paintSigned(canvas, state.inputs[n], grid);
  });
  state.neurons.forEach((layer, l) => {
    root.querySelectorAll(`.neuron[data-layer="${l + 1}"]`).forEach((canvas, n) => {
      if (layer[n]) paintSigned(canvas, layer[n], grid);
    });
  });
  root.querySelectorAll(`.neuron[data-layer="${expected - 1}"]`).forEach((canvas, n) => {
    const context = canvas.getContext("2d");
    const [r, g, b] = state.problem === "regression" ? [120, 120, 120] : COLOURS[n % COLOURS.length];
    context.fillStyle = `rgb(${r},${g},${b})`;
    context.fillRect(0, 0, canvas.width, canvas.height);
  });
  // edges: colour by sign (blue +, orange −), width by size
  const svg = root.querySelector("svg.edges");
  svg.setAttribute("width", root.scrollWidth);
  svg.setAttribute("height", root.scrollHeight);
  const box = root.getBoundingClientRect();
  const centres = [...root.querySelectorAll(".layer")].map((layer) =>
    [...layer.querySelectorAll(".neuron")].map((el) => {
      const r = el.getBoundingClientRect();
      return [r.left - box.left + root.scrollLeft, r.top - box.top + r.height / 2, r.width];
    }));
  const lines = [];
  state.weights.forEach((matrix, l) => {
    const largest = Math.max(1e-9, ...matrix.flat().map(Math.abs));
    matrix.forEach((row, i) => row.forEach((w, j) => {
      const a = centres[l][i], b = centres[l + 1][j];
      if (!a || !b) return;
      const colour = w >= 0 ? "#1f77b4" : "#ff7f0e";
      const width = 0.3 + 3.5 * Math.abs(w) / largest;
      lines.push(`<line x1="${a[0] + a[2]}" y1="${a[1]}" x2="${b[0]}" y2="${b[1]}" stroke="${colour}" stroke-width="${width.toFixed(2)}" stroke-opacity="0.6"/>`);
    }));
  });
  svg.innerHTML = lines.join("");
}

function paintSigned(canvas, values, grid) {
  canvas.width = canvas.height = grid;
  const context = canvas.getContext("2d");
  const image = context.createImageData(grid, grid);
  values.forEach((v, k) => {
    const [r, g, b] = v >= 0 ? [31, 119, 180] : [255, 127, 14];
    const t = Math.min(1, Math.abs(v));
    image.data[4 * k] = 255 + (r - 255) * t;
    image.data[4 * k + 1] = 255 + (g - 255) * t;
    image.data[4 * k + 2] = 255 + (b - 255) * t;
    image.data[4 * k + 3] = 255;
  });
  context.putImageData(image, 0, 0);
}

// --- the decision regions, the chart, the confusion matrix -------------------------------------
function drawRegions() {
  const canvas = $("regions");
  const context = canvas.getContext("2d");
  const n = state.grid;
  const cells = document.createElement("canvas");
  cells.width = cells.height = n;
  const cellContext = cells.getContext("2d");
  const image = cellContext.createImageData(n, n);
  const shade = (k, [r, g, b], t) => {
    image.data[4 * k] = 255 + (r - 255) * t;
    image.data[4 * k + 1] = 255 + (g - 255) * t;
    image.data[4 * k + 2] = 255 + (b - 255) * t;
    image.data[4 * k + 3] = 255;
  };
  if (state.problem === "regression") {  // the predicted value: blue above 0, orange below
    state.values.forEach((v, k) => shade(k, signed(v), 0.7 * Math.min(1, Math.abs(v))));
  } else {
    state.regions.forEach((label, k) => {
      const t = 0.25 + 0.45 * Math.max(0, (state.confidence[k] - 1 / state.classes) / (1 - 1 / state.classes));
      shade(k, COLOURS[label % COLOURS.length], t);
    });
  }
  cellContext.putImageData(image, 0, 0);
  context.imageSmoothingEnabled = true;
  context.drawImage(cells, 0, 0, canvas.width, canvas.height);
  const [x0, x1, y0, y1] = state.extent;
  const px = (x) => ((x - x0) / (x1 - x0)) * canvas.width;
  const py = (y) => ((y1 - y) / (y1 - y0)) * canvas.height;
  const drawPoints = (points, test) => {
    for (const [x, y, label] of points) {
      const [r, g, b] = state.problem === "regression" ? blend(signed(label), Math.min(1, 0.3 + Math.abs(label)))
        : COLOURS[label % COLOURS.length];
      context.beginPath();
      context.arc(px(x), py(y), 3.2, 0, 2 * Math.PI);
      context.fillStyle = `rgb(${r},${g},${b})`;
      context.strokeStyle = test ? "#000" : "#fff";
      context.lineWidth = test ? 1.5 : 1;
      context.fill();
      context.stroke();
    }
  };
  drawPoints(state.train, false);
  if ($("show-test").checked) drawPoints(state.test, true);
}

function drawChart() {
  const canvas = $("chart");
  const context = canvas.getContext("2d");
  context.clearRect(0, 0, canvas.width, canvas.height);
  const h = state.history;
  const series = [["train_loss", "#555", false], ["test_loss", "#000", true],
                  ["train_accuracy", "#2ca02c", false], ["test_accuracy", "#1b6e1b", true]];
  const losses = [...h.train_loss, ...h.test_loss].filter((v) => v !== null && isFinite(v));
  const top = Math.max(1, ...losses);
  const count = Math.max(2, h.train_loss.length);
  for (const [key, colour, dashed] of series) {
    const values = h[key];
    const isAccuracy = key.endsWith("accuracy");
    context.beginPath();
    context.setLineDash(dashed ? [4, 3] : []);
    context.strokeStyle = colour;
    let started = false;
    values.forEach((v, i) => {
      if (v === null || !isFinite(v)) return;
      const x = (i / (count - 1)) * (canvas.width - 10) + 5;
      const y = canvas.height - 5 - (isAccuracy ? v : Math.min(v, top) / top) * (canvas.height - 10);
      if (!started) { context.moveTo(x, y); started = true; } else context.lineTo(x, y);
    });
    context.stroke();
  }
  context.setLineDash([]);
  context.fillStyle = "#555";
  context.fillText("loss (grey/black) · accuracy (green); dashed: test", 8, 12);
}

const signed = (v) => (v >= 0 ? [31, 119, 180] : [255, 127, 14]);
const blend = ([r, g, b], t) => [255 + (r - 255) * t, 255 + (g - 255) * t, 255 + (b - 255) * t].map(Math.round);

function drawConfusion() {
  const table = $("confusion");
  const shown = state.problem !== "regression";  // a regression has no classes to confuse
  table.hidden = $("confusion-title").hidden = !shown;
  if (!shown) { table.innerHTML = ""; return; }
  const k = state.classes;
  let html = "<tr><th>true \\ predicted</th>" + [...Array(k).keys()].map((j) => `<th>${j}</th>`).join("") + "</tr>";
  state.confusion.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    html += `<tr><th>${i}</th>` + row.map((v, j) => {
      const shade = Math.round(255 - 150 * v / total);
      return `<td style="background: rgb(${shade},${shade},255)">${v}</td>`;
    }).join("") + "</tr>";
  });
  table.innerHTML = html;
}

const format = (v) => (v === null || v === undefined || !isFinite(v) ? "–" : v.toFixed(3));

function draw() {
  if (!state) return;
  $("epoch").textContent = state.epoch;
  const m = state.metrics;
  $("train-loss").textContent = format(m.train_loss);
  $("test-loss").textContent = format(m.test_loss);
  $("train-accuracy").textContent = format(m.train_accuracy);
  $("test-accuracy").textContent = format(m.test_accuracy);
  $("rate-backprop").textContent = Math.round(state.rates.backprop).toLocaleString();
  $("rate-numerical").textContent = Math.round(state.rates.numerical).toLocaleString();
  const speed = state.playing && state.speed ? state.speed : state.rates[settings.gradient];
  $("speed").textContent = Math.round(speed).toLocaleString();
  $("plan").textContent = state.plan;
  drawRegions();
  drawChart();
  drawConfusion();
  drawNetwork();
}

setUpControls();
connect();
