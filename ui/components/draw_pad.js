// The drawing pad: a digit drawn with the mouse or a finger, or points added on the plane.
//
// "digit": a 280×280 canvas and a round pen; at the end of each stroke the ink (the canvas's alpha,
// one byte a pixel, base64) goes to Python as the "ink" event ("" after Clear).
// "points": a square over [−extent, extent]²; a click adds a point, a drag adds one every few
// pixels; at the end of each stroke every point goes to Python as the "points" event.
// A drawing survives its section being hidden: it is kept per key for as long as the page is open.

const drawings = new Map(); // key -> ImageData of the digit canvas
const pads = new WeakMap(); // parentElement -> its pad
const POINT_SPACING = 8; // pixels a drag moves between two added points
const PLANE_PIXELS = 340;

class DigitPad {
  constructor(root, data) {
    this.key = data.key;
    this.canvas = element("canvas", "digit", root);
    this.canvas.width = this.canvas.height = data.pixels;
    this.context = this.canvas.getContext("2d", { willReadFrequently: true });
    Object.assign(this.context, { lineWidth: data.pen, lineCap: "round", lineJoin: "round", strokeStyle: "#000000" });
    if (drawings.has(this.key)) this.context.putImageData(drawings.get(this.key), 0, 0);
    this.stroke = null;
  }

  pointer(event, kind) {
    const rect = this.canvas.getBoundingClientRect();
    const x = ((event.clientX - rect.left) / rect.width) * this.canvas.width;
    const y = ((event.clientY - rect.top) / rect.height) * this.canvas.height;
    if (kind === "down") {
      this.canvas.setPointerCapture(event.pointerId);
      this.stroke = [x, y];
      this.context.beginPath();
      this.context.moveTo(x, y);
      this.context.lineTo(x + 0.01, y); // a click leaves a dot
      this.context.stroke();
    } else if (this.stroke && kind === "move") {
      this.context.beginPath();
      this.context.moveTo(...this.stroke);
      this.context.lineTo(x, y);
      this.context.stroke();
      this.stroke = [x, y];
    } else if (this.stroke && kind === "up") {
      this.stroke = null;
      const pixels = this.context.getImageData(0, 0, this.canvas.width, this.canvas.height);
      drawings.set(this.key, pixels);
      const ink = new Uint8Array(this.canvas.width * this.canvas.height);
      for (let i = 0; i < ink.length; i++) ink[i] = pixels.data[4 * i + 3];
      this.trigger("ink", encodedBase64(ink));
    }
  }

  clear() {
    this.context.clearRect(0, 0, this.canvas.width, this.canvas.height);
    drawings.delete(this.key);
    this.trigger("ink", "");
  }

  update() {}
}

class PointsPad {
  constructor(root) {
    this.canvas = element("canvas", "plane", root);
    this.canvas.width = this.canvas.height = PLANE_PIXELS * devicePixelRatio;
    this.points = [];
    this.stroke = null;
  }

  update(data) {
    this.data = data;
    if (!this.stroke) this.points = data.points.map((p) => [...p]);
    this.paint();
  }

  toPlane(event) {
    const rect = this.canvas.getBoundingClientRect(), e = this.data.extent;
    const x = ((event.clientX - rect.left) / rect.width) * 2 * e - e, y = e - ((event.clientY - rect.top) / rect.height) * 2 * e;
    return [Math.round(x * 1000) / 1000, Math.round(y * 1000) / 1000];
  }

  pointer(event, kind) {
    const at = [event.clientX, event.clientY];
    if (kind === "down") {
      this.canvas.setPointerCapture(event.pointerId);
      this.stroke = at;
      this.add(this.toPlane(event));
    } else if (this.stroke && kind === "move" && Math.hypot(at[0] - this.stroke[0], at[1] - this.stroke[1]) >= POINT_SPACING) {
      this.stroke = at;
      this.add(this.toPlane(event));
    } else if (this.stroke && kind === "up") {
      this.stroke = null;
      this.trigger("points", this.points);
    }
  }

  add(point) {
    if (this.points.length >= this.data.max || Math.max(Math.abs(point[0]), Math.abs(point[1])) > this.data.extent) return;
    this.points.push(point);
    this.paint();
  }

  clear() {
    this.points = [];
    this.paint();
    this.trigger("points", []);
  }

  paint() {
    const context = this.canvas.getContext("2d"), e = this.data.extent, scale = PLANE_PIXELS / (2 * e);
    context.setTransform(devicePixelRatio, 0, 0, devicePixelRatio, 0, 0);
    context.clearRect(0, 0, PLANE_PIXELS, PLANE_PIXELS);
    context.strokeStyle = "#EBF0F8";
    context.beginPath();
    for (let tick = -Math.floor(e); tick <= e; tick++) {
      const at = (tick + e) * scale;
      context.moveTo(at, 0); context.lineTo(at, PLANE_PIXELS); context.moveTo(0, at); context.lineTo(PLANE_PIXELS, at);
    }
    context.stroke();
    context.fillStyle = this.data.colour;
    for (const [x, y] of this.points) {
      context.beginPath();
      context.arc((x + e) * scale, (e - y) * scale, 3, 0, 2 * Math.PI);
      context.fill();
    }
    this.count.textContent = this.data.text.count.replace("{count}", this.points.length);
  }
}

function create(parent, data) {
  const root = element("div", "draw-pad", parent);
  const pad = data.mode === "digit" ? new DigitPad(root, data) : new PointsPad(root);
  const row = element("div", "row", root);
  const clear = element("button", "", row, data.text.clear);
  pad.count = element("span", "count", row, "");
  const surface = pad.canvas;
  surface.addEventListener("pointerdown", (event) => pad.pointer(event, "down"));
  surface.addEventListener("pointermove", (event) => pad.pointer(event, "move"));
  surface.addEventListener("pointerup", (event) => pad.pointer(event, "up"));
  surface.addEventListener("pointercancel", (event) => pad.pointer(event, "up"));
  clear.addEventListener("click", () => pad.clear());
  if (data.mode === "digit") pad.count.textContent = data.text.hint;
  return pad;
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let pad = pads.get(parentElement);
  if (!pad) {
    pad = create(parentElement, data);
    pads.set(parentElement, pad);
  }
  pad.trigger = setTriggerValue;
  pad.update(data);
  return () => pads.delete(parentElement);
}
