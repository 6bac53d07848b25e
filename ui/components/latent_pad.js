// The latent pad: the decoder runs here, in the browser, so the image follows the pointer.
//
// Python (latent_pad.py) sends the decoder once per model version, packed by
// playground/decoder_export.py: layers in order (linear, conv_transpose, relu, elu, tanh, sigmoid)
// and every weight as one base64 string of float32. For each pointer move we decode z, draw the
// image (at most once a frame) and measure how long the pixels took; Python hears of z only on
// release. Each layer's output is a Float32Array, as in PyTorch; sums run in doubles.

const KEPT_DECODERS = 16; // decoders kept per page (by "model@version"): pads of other sections reuse them
const decoders = new Map(); // token -> compiled decoder, shared by every pad of the page
const asked = new Set(); // tokens asked for once: a decoder that fails to load is not asked for again
const pads = new WeakMap(); // parentElement -> its pad
const MAP_PIXELS = 320;
const DOT_RADIUS = 2.5;
const KEPT_LATENCIES = 4000;
// pointerrawupdate (secure pages: https or localhost) arrives as soon as the pointer moves; pointermove waits for
// the next frame. Either way pointer capture and hovering work the same.
const MOVE = "onpointerrawupdate" in window ? "pointerrawupdate" : "pointermove";

// ---- the decoder ----------------------------------------------------------------------------

function compile(packed) {
  const weights = new Float32Array(decodedBase64(packed.weights).buffer); // little-endian, as every browser's
  const layers = packed.layers.map((layer) => {
    if (layer.weight === undefined) return layer; // an activation
    const W = weights.subarray(layer.weight, layer.bias); // the bias follows the weight; it has output[0] values
    const b = weights.subarray(layer.bias, layer.bias + layer.output[0]);
    return layer.op === "linear" ? { ...layer, W, b } : { ...layer, W: channelsLast(layer, W), b };
  });
  return { latentDim: packed.latent_dim, height: packed.image[0], width: packed.image[1], layers };
}

function channelsLast(layer, W) { // PyTorch's (in, out, k, k) as (in, k, k, out): the output channels side by side
  const cin = layer.input[0], cout = layer.output[0], taps = layer.kernel * layer.kernel;
  const moved = new Float32Array(W.length);
  for (let ci = 0; ci < cin; ci++) {
    for (let co = 0; co < cout; co++) {
      for (let t = 0; t < taps; t++) moved[(ci * taps + t) * cout + co] = W[(ci * cout + co) * taps + t];
    }
  }
  return moved;
}

const STEPS = {
  linear(layer, x) { // y = W x + b, W (out, in) row-major; four running sums keep the processor busy
    const n = layer.input[0], m = layer.output[0], W = layer.W, y = new Float32Array(m), n4 = n - (n % 4);
    for (let j = 0; j < m; j++) {
      const row = j * n;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, i = 0;
      for (; i < n4; i += 4) {
        s0 += W[row + i] * x[i]; s1 += W[row + i + 1] * x[i + 1];
        s2 += W[row + i + 2] * x[i + 2]; s3 += W[row + i + 3] * x[i + 3];
      }
      for (; i < n; i++) s0 += W[row + i] * x[i];
      y[j] = layer.b[j] + ((s0 + s1) + (s2 + s3));
    }
    return y;
  },
  conv_transpose(layer, x) { // scatter: input pixel (ci, iy, ix) adds W[ci, co, ky, kx]·x at (iy·s − p + ky, ix·s − p + kx)
    const [cin, h, w] = layer.input, [cout, ho, wo] = layer.output;
    const k = layer.kernel, s = layer.stride, p = layer.padding, W = layer.W, plane = ho * wo;
    const sum = new Float64Array(plane * cout); // (oy, ox, co), as W is (ci, ky, kx, co): the inner loop is contiguous
    for (let ci = 0; ci < cin; ci++) {
      for (let iy = 0; iy < h; iy++) {
        for (let ix = 0; ix < w; ix++) {
          const v = x[(ci * h + iy) * w + ix];
          if (v === 0) continue; // most inputs after a ReLU: nothing to add
          for (let ky = 0; ky < k; ky++) {
            const oy = iy * s - p + ky;
            if (oy < 0 || oy >= ho) continue;
            for (let kx = 0; kx < k; kx++) {
              const ox = ix * s - p + kx;
              if (ox < 0 || ox >= wo) continue;
              const at = (oy * wo + ox) * cout, wi = ((ci * k + ky) * k + kx) * cout;
              for (let co = 0; co < cout; co++) sum[at + co] += v * W[wi + co];
            }
          }
        }
      }
    }
    const y = new Float32Array(cout * plane); // back to (co, oy, ox), PyTorch's layout, with the bias
    for (let i = 0; i < plane; i++) for (let co = 0; co < cout; co++) y[co * plane + i] = sum[i * cout + co] + layer.b[co];
    return y;
  },
  relu: (layer, x) => x.map((v) => (v > 0 ? v : 0)),
  elu: (layer, x) => x.map((v) => (v > 0 ? v : layer.alpha * Math.expm1(v))),
  tanh: (layer, x) => x.map(Math.tanh),
  sigmoid: (layer, x) => x.map((v) => 1 / (1 + Math.exp(-v))),
};

function decode(decoder, z) {
  let x = Float32Array.from(z);
  for (const layer of decoder.layers) x = STEPS[layer.op](layer, x);
  return x; // (height · width)
}

// ---- paths between two codes (playground/interpolation.py) -----------------------------------

function along(path, t) {
  const { a, b } = path;
  const norms = Math.hypot(...a) * Math.hypot(...b);
  const dot = a.reduce((sum, v, i) => sum + v * b[i], 0);
  const omega = norms > 0 ? Math.acos(Math.min(1, Math.max(-1, dot / norms))) : 0;
  if (path.method !== "spherical" || Math.sin(omega) < 1e-6) return a.map((v, i) => (1 - t) * v + t * b[i]);
  const wa = Math.sin((1 - t) * omega) / Math.sin(omega), wb = Math.sin(t * omega) / Math.sin(omega);
  return a.map((v, i) => wa * v + wb * b[i]);
}

// ---- drawing ---------------------------------------------------------------------------------

function format(v) {
  return (v < 0 ? "−" : "") + Math.abs(v).toFixed(2);
}

class Pad {
  constructor(parent, setTriggerValue) {
    this.setTriggerValue = setTriggerValue;
    this.root = element("div", "latent-pad", parent);
    this.resetStats();
    this.pending = null; // the newest pointer event not yet drawn: its position and timestamp
    this.drawnThisFrame = false; // a frame shows one image: later events wait for the next frame
    this.waiting = false; // a requestAnimationFrame for the pending event is on its way
    this.dragging = false;
    this.listeners = [];
    this.root.pad = this.hook(); // for the browser tests and the benchmark
  }

  hook() {
    return {
      show: (z) => { this.z = Float32Array.from(z); this.image = decode(this.decoder, this.z); this.paint(); return Array.from(this.image); },
      image: () => (this.image ? Array.from(this.image) : null),
      z: () => (this.z ? Array.from(this.z) : null),
      ready: () => Boolean(this.decoder),
      stats: () => ({ ...this.stats, latencies: [...this.stats.latencies], decodeMs: [...this.stats.decodeMs] }),
      resetStats: () => this.resetStats(),
      toCanvas: (x, y) => this.toCanvas(x, y),
    };
  }

  resetStats() {
    this.stats = { events: 0, frames: 0, latencies: [], decodeMs: [], firstEvent: null, lastFrame: null };
  }

  listen(target, type, handler) {
    target.addEventListener(type, handler);
    this.listeners.push(() => target.removeEventListener(type, handler));
  }

  destroy() {
    this.listeners.forEach((remove) => remove());
  }

  build(data) {
    this.mode = data.mode;
    const left = element("div", "column", this.root);
    if (data.mode === "plane") {
      const box = element("div", "map", left);
      this.dots = element("canvas", "dots", box);
      this.overlay = element("canvas", "overlay", box);
      for (const canvas of [this.dots, this.overlay]) canvas.width = canvas.height = MAP_PIXELS * devicePixelRatio;
      this.legend = element("div", "legend", left);
      this.listen(this.overlay, "pointerdown", (event) => this.pointer(event, "down"));
      this.listen(this.overlay, MOVE, (event) => this.pointer(event, "move"));
      this.listen(this.overlay, "pointerup", (event) => this.pointer(event, "up"));
      this.listen(this.overlay, "pointercancel", (event) => this.pointer(event, "up"));
      this.listen(this.overlay, "pointerleave", () => { if (!this.dragging) this.schedule(this.chosen, performance.now()); });
    }
    const right = element("div", "column", this.root);
    this.canvas = element("canvas", "image", right);
    this.readout = element("div", "readout", right);
    this.sliders = element("div", "sliders", right);
    if (data.mode === "path") {
      const row = element("label", "slider", this.sliders);
      element("span", "name", row, "t");
      this.tInput = element("input", "", row);
      Object.assign(this.tInput, { type: "range", min: 0, max: 1, step: 0.001 });
      this.listen(this.tInput, "pointermove", (event) => { this.lastPointer = event.timeStamp; });
      this.listen(this.tInput, "input", (event) => { // timed from the pointer that moved the slider, if one did
        const pointer = this.lastPointer !== undefined && event.timeStamp - this.lastPointer < 50;
        this.schedule([Number(this.tInput.value), 0], pointer ? this.lastPointer : event.timeStamp);
      });
      this.listen(this.tInput, "change", () => this.release());
    }
  }

  update(data) {
    if (!this.mode) this.build(data);
    this.data = data;
    this.useDecoder(data.model);
    if (data.mode === "plane") this.updatePlane(data);
    else this.updatePath(data);
    this.draw(this.chosen, null);
  }

  useDecoder(model) {
    const token = `${model.id}@${model.version}`;
    if (model.program && !decoders.has(token)) {
      decoders.set(token, compile(model.program));
      while (decoders.size > KEPT_DECODERS) decoders.delete(decoders.keys().next().value);
    }
    this.decoder = decoders.get(token);
    if (!this.decoder && !asked.has(token)) { // this page lost it (or never got it): ask Python once
      asked.add(token);
      this.setTriggerValue("missing", token);
    }
  }

  updatePlane(data) {
    const { plane } = data;
    const [x0, x1, y0, y1] = plane.box;
    this.scale = MAP_PIXELS / Math.max(x1 - x0, y1 - y0);
    this.centre = [(x0 + x1) / 2, (y0 + y1) / 2];
    this.origin = Float32Array.from(plane.origin);
    this.axes = plane.axes;
    this.points = data.points && {
      xy: new Float32Array(decodedBase64(data.points.xy).buffer), labels: decodedBase64(data.points.labels),
      sigma: data.points.sigma ? new Float32Array(decodedBase64(data.points.sigma).buffer) : null,
    };
    this.paintDots(data);
    this.buildSliders(plane.sliders || []);
    const position = data.position || this.chosen || this.centre;
    if (!this.dragging && String(position) !== String(this.lastPosition)) this.chosen = position;
    this.lastPosition = position;
  }

  updatePath(data) {
    const t = data.path.t;
    if (String(t) !== String(this.lastT)) { this.chosen = [t, 0]; this.tInput.value = t; }
    this.lastT = t;
  }

  buildSliders(sliders) {
    const key = JSON.stringify(sliders.map((s) => [s.dim, s.label]));
    if (key === this.sliderKey) return;
    this.sliderKey = key;
    this.sliders.replaceChildren();
    for (const slider of sliders) {
      const row = element("label", "slider", this.sliders);
      element("span", "name", row, slider.label);
      const input = element("input", "", row);
      Object.assign(input, { type: "range", min: slider.min, max: slider.max, step: slider.step, value: this.origin[slider.dim] });
      const shown = element("span", "value", row, format(this.origin[slider.dim]));
      this.listen(input, "input", (event) => {
        this.origin[slider.dim] = Number(input.value);
        shown.textContent = format(this.origin[slider.dim]);
        this.schedule(this.chosen, event.timeStamp);
      });
      this.listen(input, "change", () => this.release());
    }
  }

  // ---- pointer → frame ----------------------------------------------------------------------

  toCanvas(x, y) { // latent-map coordinates → CSS pixels of the map
    return [MAP_PIXELS / 2 + (x - this.centre[0]) * this.scale, MAP_PIXELS / 2 - (y - this.centre[1]) * this.scale];
  }

  fromCanvas(event) {
    const rect = this.overlay.getBoundingClientRect();
    const px = ((event.clientX - rect.left) / rect.width) * MAP_PIXELS, py = ((event.clientY - rect.top) / rect.height) * MAP_PIXELS;
    return [this.centre[0] + (px - MAP_PIXELS / 2) / this.scale, this.centre[1] - (py - MAP_PIXELS / 2) / this.scale];
  }

  pointer(event, kind) {
    const position = this.fromCanvas(event);
    if (kind === "down") { this.dragging = true; this.overlay.setPointerCapture(event.pointerId); }
    this.schedule(position, event.timeStamp);
    if (kind === "up" && this.dragging) {
      this.dragging = false;
      this.chosen = position;
      this.release();
    }
  }

  // An event is drawn at once if nothing was drawn since the last frame began, so a slow pointer never
  // waits; otherwise it waits for the next frame, where the newest one wins, so a fast one costs one
  // decode per frame.
  schedule(position, timeStamp) {
    if (this.stats.firstEvent === null) this.stats.firstEvent = timeStamp;
    this.stats.events += 1;
    this.pending = { position, timeStamp };
    if (!this.drawnThisFrame) {
      this.frame();
    } else if (!this.waiting) {
      this.waiting = true;
      requestAnimationFrame(() => {
        this.waiting = false;
        if (this.pending) this.frame();
      });
    }
  }

  frame() {
    const { position, timeStamp } = this.pending;
    this.pending = null;
    if (this.mode === "path") this.chosen = position;
    if (!this.draw(position, timeStamp)) return;
    this.drawnThisFrame = true;
    this.stats.frames += 1;
    requestAnimationFrame((shown) => { // the frame after the drawing: its pixels are on screen
      this.drawnThisFrame = false;
      this.stats.lastFrame = shown;
      this.stats.latencies.push(shown - timeStamp);
      if (this.stats.latencies.length > KEPT_LATENCIES) this.stats.latencies.shift();
    });
  }

  codeAt(position) {
    if (this.mode === "path") return Float32Array.from(along(this.data.path, position[0]));
    const z = Float32Array.from(this.origin);
    for (let i = 0; i < z.length; i++) z[i] += position[0] * this.axes[0][i] + position[1] * this.axes[1][i];
    return z;
  }

  draw(position, timeStamp) {
    this.position = position;
    if (this.mode === "plane") this.paintOverlay();
    if (!this.decoder) {
      this.readout.textContent = this.data.text.loading;
      return false;
    }
    const start = performance.now();
    this.z = this.codeAt(position);
    this.image = decode(this.decoder, this.z);
    if (timeStamp !== null) this.stats.decodeMs.push(performance.now() - start);
    this.paint();
    this.describe();
    return true;
  }

  paint() {
    const { height, width } = this.decoder;
    const pixels = new ImageData(width, height);
    for (let i = 0; i < height * width; i++) { // dark ink on white, as playground.figures.vae.ink
      const grey = Math.trunc(255 * (1 - Math.min(1, Math.max(0, this.image[i]))));
      pixels.data[4 * i] = pixels.data[4 * i + 1] = pixels.data[4 * i + 2] = grey;
      pixels.data[4 * i + 3] = 255;
    }
    if (!this.small || this.small.width !== width || this.small.height !== height) this.small = new OffscreenCanvas(width, height);
    this.small.getContext("2d").putImageData(pixels, 0, 0);
    const side = Math.max(1, Math.floor(this.data.pixels / width)) * width; // whole screen pixels per image pixel
    if (this.canvas.width !== side * devicePixelRatio) {
      this.canvas.width = this.canvas.height = side * devicePixelRatio;
      this.canvas.style.width = `${side}px`; // its height follows (CSS), and a narrow column shrinks both
    }
    const context = this.canvas.getContext("2d");
    context.imageSmoothingEnabled = false;
    context.drawImage(this.small, 0, 0, this.canvas.width, this.canvas.height);
  }

  describe() {
    const shown = Array.from(this.z.slice(0, 6), format).join(", ") + (this.z.length > 6 ? ", …" : "");
    this.readout.textContent = this.mode === "path" ? `t = ${this.position[0].toFixed(2)}   z = (${shown})` : `z = (${shown})`;
  }

  paintDots(data) {
    const context = this.dots.getContext("2d");
    context.setTransform(devicePixelRatio, 0, 0, devicePixelRatio, 0, 0);
    context.clearRect(0, 0, MAP_PIXELS, MAP_PIXELS);
    context.strokeStyle = "#EBF0F8";
    const [ox, oy] = this.toCanvas(0, 0);
    context.beginPath();
    context.moveTo(ox, 0); context.lineTo(ox, MAP_PIXELS); context.moveTo(0, oy); context.lineTo(MAP_PIXELS, oy);
    context.stroke();
    if (this.points) {
      const { xy, labels } = this.points;
      context.globalAlpha = 0.75;
      for (let i = 0; i < labels.length; i++) {
        const [px, py] = this.toCanvas(xy[2 * i], xy[2 * i + 1]);
        context.fillStyle = data.colours[labels[i] % data.colours.length];
        context.beginPath();
        context.arc(px, py, DOT_RADIUS, 0, 2 * Math.PI);
        context.fill();
      }
      context.globalAlpha = 1;
    }
    const seen = new Set(this.points ? this.points.labels : []);
    this.legend.replaceChildren();
    element("span", "", this.legend, `${data.text.label}:`);
    [...seen].sort((a, b) => a - b).forEach((label) => {
      const chip = element("span", "chip", this.legend, String(label));
      chip.style.setProperty("--colour", data.colours[label % data.colours.length]);
    });
  }

  nearest(position) { // the test code under the pointer (within 8 px), or −1
    if (!this.points) return -1;
    const { xy } = this.points, reach = 8 / this.scale;
    let best = -1, bestDistance = reach * reach;
    for (let i = 0; i < xy.length / 2; i++) {
      const d = (xy[2 * i] - position[0]) ** 2 + (xy[2 * i + 1] - position[1]) ** 2;
      if (d < bestDistance) { best = i; bestDistance = d; }
    }
    return best;
  }

  paintOverlay() {
    const context = this.overlay.getContext("2d");
    context.setTransform(devicePixelRatio, 0, 0, devicePixelRatio, 0, 0);
    context.clearRect(0, 0, MAP_PIXELS, MAP_PIXELS);
    const ellipse = ([x, y], [sx, sy], colour, width) => {
      const [px, py] = this.toCanvas(x, y);
      context.strokeStyle = colour; context.lineWidth = width;
      context.beginPath();
      context.ellipse(px, py, Math.max(1, sx * this.scale), Math.max(1, sy * this.scale), 0, 0, 2 * Math.PI);
      context.stroke();
    };
    const hovered = this.nearest(this.position);
    if (hovered >= 0) {
      const { xy, labels, sigma } = this.points, at = [xy[2 * hovered], xy[2 * hovered + 1]];
      const colour = this.data.colours[labels[hovered] % this.data.colours.length];
      ellipse(at, sigma ? [sigma[2 * hovered], sigma[2 * hovered + 1]] : [4 / this.scale, 4 / this.scale], colour, 2);
    }
    for (const marker of this.data.markers || []) {
      if (marker.sigma) ellipse(marker.xy, marker.sigma, "#000000", 1.5);
      const [px, py] = this.toCanvas(...marker.xy);
      context.fillStyle = "#000000";
      context.font = "16px sans-serif";
      context.fillText("✎ " + marker.label, px + 6, py - 6);
      context.fillRect(px - 3, py - 3, 6, 6);
    }
    const [cx, cy] = this.toCanvas(...this.chosen);
    context.strokeStyle = "#D55E00"; context.lineWidth = 2;
    context.beginPath(); context.arc(cx, cy, 6, 0, 2 * Math.PI); context.stroke();
    const [px, py] = this.toCanvas(...this.position);
    context.strokeStyle = "rgba(0, 0, 0, 0.6)"; context.lineWidth = 1;
    context.beginPath();
    context.moveTo(px - 10, py); context.lineTo(px + 10, py); context.moveTo(px, py - 10); context.lineTo(px, py + 10);
    context.stroke();
  }

  release() {
    if (!this.data.report || !this.z) return;
    this.setTriggerValue("release", { z: Array.from(this.z), t: this.mode === "path" ? this.position[0] : null });
  }
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let pad = pads.get(parentElement);
  if (!pad) {
    pad = new Pad(parentElement, setTriggerValue);
    pads.set(parentElement, pad);
  }
  pad.setTriggerValue = setTriggerValue;
  pad.update(data);
  return () => {
    pad.destroy();
    pads.delete(parentElement);
  };
}
