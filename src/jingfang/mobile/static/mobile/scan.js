// Reading the QR code of a paper follow-up form: the browser's BarcodeDetector where it reads QR codes,
// else jsQR (vendor/jsQR.js, Apache-2.0, loaded only when needed and kept by the service worker), on
// frames of the camera (getUserMedia) or on a photo. Returns the QR code's text; nothing leaves the phone.
let jsqrLoading = null;

function loadJsQR(src) {
  if (window.jsQR) return Promise.resolve(window.jsQR);
  if (!jsqrLoading) {
    jsqrLoading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.onload = () => (window.jsQR ? resolve(window.jsQR) : reject(new Error("jsQR")));
      script.onerror = () => { jsqrLoading = null; reject(new Error("jsQR")); };
      document.head.append(script);
    });
  }
  return jsqrLoading;
}

async function nativeDetector() {
  if (!("BarcodeDetector" in window)) return null;
  try {
    const formats = await window.BarcodeDetector.getSupportedFormats();
    return formats.includes("qr_code") ? new window.BarcodeDetector({formats: ["qr_code"]}) : null;
  } catch {
    return null;
  }
}

/** A reader of images (ImageBitmap, video or canvas): resolves to the QR code's text or null. */
export async function reader(jsqrSrc) {
  const native = await nativeDetector();
  if (native) {
    return async (source) => {
      const found = await native.detect(source).catch(() => []);
      return found.length ? found[0].rawValue : null;
    };
  }
  const jsQR = await loadJsQR(jsqrSrc);
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", {willReadFrequently: true});
  return async (source) => {
    const width = source.videoWidth || source.width;
    const height = source.videoHeight || source.height;
    if (!width || !height) return null;
    const scale = Math.min(1, 1280 / Math.max(width, height));  // large photos: enough pixels, less work
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    context.drawImage(source, 0, 0, canvas.width, canvas.height);
    const image = context.getImageData(0, 0, canvas.width, canvas.height);
    const found = jsQR(image.data, image.width, image.height, {inversionAttempts: "attemptBoth"});
    return found ? found.data : null;
  };
}

/** The QR code's text in a photo file, or null. */
export async function fromPhoto(file, jsqrSrc) {
  const read = await reader(jsqrSrc);
  const bitmap = await createImageBitmap(file);
  try {
    return await read(bitmap);
  } finally {
    bitmap.close();
  }
}

/** Scan camera frames into ``video`` until a QR code is read or ``stop()`` is called.
 *  Resolves to {text} or {error} (no camera, permission refused). */
export function fromCamera(video, jsqrSrc) {
  let stopped = false;
  let stream = null;
  const stop = () => {
    stopped = true;
    if (stream) for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  };
  const result = (async () => {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return {error: "本机浏览器不能使用摄像头，请拍照或输入编号"};
    try {
      stream = await navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false});
    } catch {
      return {error: "无法打开摄像头（未允许或没有摄像头），请拍照或输入编号"};
    }
    if (stopped) { stop(); return {error: ""}; }
    video.srcObject = stream;
    await video.play().catch(() => {});
    const read = await reader(jsqrSrc);
    while (!stopped) {
      const text = video.readyState >= 2 ? await read(video) : null;
      if (text) { stop(); return {text}; }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return {error: ""};
  })();
  return {result, stop};
}
