// The "period browser": today's Chromium dressed as the Chrome of about 2014, for rendering an old page "as it ran in
// its day". A playwright init script (context.add_init_script(path=...)): it runs before any script of every page
// and frame and only ADDS the legacy names (never replaces a modern one), each as a thin alias of today's API:
//
//   Web Audio      webkitAudioContext (resumed at once: audio started without a user gesture then),
//                  webkitOfflineAudioContext, createGainNode, createDelayNode, createJavaScriptNode, noteOn/noteOff,
//                  noteGrainOn, setTargetValueAtTime, the numeric oscillator types (osc.SQUARE, osc.type = 1)
//   animation      webkitRequestAnimationFrame, webkitCancelAnimationFrame, webkitCancelRequestAnimationFrame
//   WebGL          getContext('webkit-3d') and 'experimental-webgl2'; getExtension('WEBKIT_...') names
//   gamepads       navigator.webkitGetGamepads()
//   storage/URL    webkitIndexedDB, webkitIDBKeyRange, webkitIDBTransaction, webkitURL
//   fullscreen     webkitRequestFullScreen/webkitRequestFullscreen, document.webkitCancelFullScreen,
//                  webkitExitFullscreen, webkitIsFullScreen, webkitFullscreenElement, webkitCurrentFullScreenElement
//                  (Chromium still has these; defined only if it drops them)
//   pointer lock   webkitRequestPointerLock, document.webkitExitPointerLock, webkitPointerLockElement, webkitMovementX/Y
//   media          navigator.webkitGetUserMedia(constraints, success, failure)
//
// Deliberately not defined: the moz* names (mozRequestAnimationFrame, mozIndexedDB, 'moz-webgl', ...): Chrome of
// 2014 did not have them, and pages used them to detect Firefox and take its code paths. `mousewheel` and
// webkitHidden need nothing: Chromium still has them. Each alias is marked with a property `__periodBrowser` = true
// so a test can tell it from a native one.
(function () {
  'use strict';
  var w = window;

  function define(object, name, value) {
    if (!object || name in object) return;
    try { value.__periodBrowser = true; } catch (e) { /* a primitive */ }
    Object.defineProperty(object, name, { value: value, writable: true, configurable: true, enumerable: false });
  }

  function defineGetter(object, name, getter) {
    if (!object || name in object) return;
    Object.defineProperty(object, name, { get: getter, configurable: true, enumerable: false });
  }

  function alias(object, legacy, modern) {
    if (object && typeof object[modern] === 'function') {
      define(object, legacy, function () { return this[modern].apply(this, arguments); });
    }
  }

  // ---- Web Audio (Chrome 14-35 names)
  if (typeof w.AudioContext === 'function') {
    var Modern = w.AudioContext;
    var WebkitAudioContext = function webkitAudioContext(options) {
      var context = options === undefined ? new Modern() : new Modern(options);
      // Chrome of 2014 played without a user gesture: a suspended context is resumed now (pending until allowed)
      if (context.state === 'suspended' && typeof context.resume === 'function') context.resume().catch(function () {});
      return context;
    };
    WebkitAudioContext.prototype = Modern.prototype;
    define(w, 'webkitAudioContext', WebkitAudioContext);
  }
  if (typeof w.OfflineAudioContext === 'function') define(w, 'webkitOfflineAudioContext', w.OfflineAudioContext);
  var contextProto = (w.BaseAudioContext || w.AudioContext || {}).prototype;
  alias(contextProto, 'createGainNode', 'createGain');
  alias(contextProto, 'createDelayNode', 'createDelay');
  alias(contextProto, 'createJavaScriptNode', 'createScriptProcessor');
  var scheduledProto = (w.AudioScheduledSourceNode || {}).prototype;
  alias(scheduledProto, 'noteOn', 'start');
  alias(scheduledProto, 'noteOff', 'stop');
  alias((w.AudioBufferSourceNode || {}).prototype, 'noteGrainOn', 'start');
  alias((w.AudioParam || {}).prototype, 'setTargetValueAtTime', 'setTargetAtTime');
  if (w.OscillatorNode) {
    var oscillatorProto = w.OscillatorNode.prototype;
    var oscillatorTypes = ['sine', 'square', 'sawtooth', 'triangle', 'custom'];
    ['SINE', 'SQUARE', 'SAWTOOTH', 'TRIANGLE', 'CUSTOM'].forEach(function (constant, i) {
      define(oscillatorProto, constant, i);
    });
    var typeProperty = Object.getOwnPropertyDescriptor(oscillatorProto, 'type');
    if (typeProperty && typeProperty.set && !typeProperty.set.__periodBrowser) {
      var setType = function (value) {
        typeProperty.set.call(this, typeof value === 'number' ? oscillatorTypes[value] : value);
      };
      setType.__periodBrowser = true;
      Object.defineProperty(oscillatorProto, 'type', { get: typeProperty.get, set: setType, configurable: true,
                                                       enumerable: typeProperty.enumerable });
    }
  }

  // ---- animation frames
  if (typeof w.requestAnimationFrame === 'function') {
    define(w, 'webkitRequestAnimationFrame', function (callback) { return w.requestAnimationFrame(callback); });
    define(w, 'webkitCancelAnimationFrame', function (id) { return w.cancelAnimationFrame(id); });
    define(w, 'webkitCancelRequestAnimationFrame', function (id) { return w.cancelAnimationFrame(id); });
  }

  // ---- WebGL context names and extension names
  if (w.HTMLCanvasElement) {
    var canvasProto = w.HTMLCanvasElement.prototype;
    var getContext = canvasProto.getContext;
    if (!getContext.__periodBrowser) {
      var contextNames = { 'webkit-3d': 'webgl', 'experimental-webgl2': 'webgl2' };
      var periodGetContext = function (type) {
        var args = Array.prototype.slice.call(arguments);
        if (Object.prototype.hasOwnProperty.call(contextNames, type)) args[0] = contextNames[type];
        return getContext.apply(this, args);
      };
      periodGetContext.__periodBrowser = true;
      Object.defineProperty(canvasProto, 'getContext', { value: periodGetContext, writable: true,
                                                         configurable: true, enumerable: true });
    }
  }
  [w.WebGLRenderingContext, w.WebGL2RenderingContext].forEach(function (Context) {
    if (!Context || Context.prototype.getExtension.__periodBrowser) return;
    var getExtension = Context.prototype.getExtension;
    var periodGetExtension = function (name) {
      var found = getExtension.call(this, name);
      if (found === null && typeof name === 'string' && /^(WEBKIT|MOZ)_/.test(name)) {
        found = getExtension.call(this, name.replace(/^(WEBKIT|MOZ)_/, ''));
      }
      return found;
    };
    periodGetExtension.__periodBrowser = true;
    Object.defineProperty(Context.prototype, 'getExtension', { value: periodGetExtension, writable: true,
                                                               configurable: true, enumerable: true });
  });

  // ---- gamepads, storage, URL
  var navigatorProto = w.Navigator && w.Navigator.prototype;
  if (navigatorProto && typeof navigatorProto.getGamepads === 'function') {
    define(navigatorProto, 'webkitGetGamepads', function () { return this.getGamepads(); });
  }
  if (w.indexedDB) {
    define(w, 'webkitIndexedDB', w.indexedDB);
    define(w, 'webkitIDBKeyRange', w.IDBKeyRange);
    define(w, 'webkitIDBTransaction', w.IDBTransaction);
  }
  if (w.URL) define(w, 'webkitURL', w.URL);
  if (navigatorProto && w.navigator.mediaDevices) {
    define(navigatorProto, 'webkitGetUserMedia', function (constraints, success, failure) {
      this.mediaDevices.getUserMedia(constraints).then(success, failure || function () {});
    });
  }

  // ---- fullscreen and pointer lock (the old calls returned nothing: a refused promise must not become an error)
  function quiet(promise) {
    if (promise && typeof promise.catch === 'function') promise.catch(function () {});
  }
  var elementProto = w.Element && w.Element.prototype;
  if (elementProto && typeof elementProto.requestFullscreen === 'function') {
    define(elementProto, 'webkitRequestFullScreen', function () { quiet(this.requestFullscreen()); });
    define(elementProto, 'webkitRequestFullscreen', function () { quiet(this.requestFullscreen()); });
  }
  if (elementProto && typeof elementProto.requestPointerLock === 'function') {
    define(elementProto, 'webkitRequestPointerLock', function () { quiet(this.requestPointerLock()); });
  }
  var documentProto = w.Document && w.Document.prototype;
  if (documentProto) {
    if (typeof documentProto.exitFullscreen === 'function') {
      define(documentProto, 'webkitCancelFullScreen', function () { quiet(this.exitFullscreen()); });
      define(documentProto, 'webkitExitFullscreen', function () { quiet(this.exitFullscreen()); });
    }
    defineGetter(documentProto, 'webkitIsFullScreen', function () { return !!this.fullscreenElement; });
    defineGetter(documentProto, 'webkitFullscreenElement', function () { return this.fullscreenElement; });
    defineGetter(documentProto, 'webkitCurrentFullScreenElement', function () { return this.fullscreenElement; });
    if (typeof documentProto.exitPointerLock === 'function') {
      define(documentProto, 'webkitExitPointerLock', function () { return this.exitPointerLock(); });
    }
    defineGetter(documentProto, 'webkitPointerLockElement', function () { return this.pointerLockElement; });
  }
  var mouseProto = w.MouseEvent && w.MouseEvent.prototype;
  defineGetter(mouseProto, 'webkitMovementX', function () { return this.movementX; });
  defineGetter(mouseProto, 'webkitMovementY', function () { return this.movementY; });
  // the prefixed change events, only where Chromium no longer fires them itself
  if (w.document && !('onwebkitfullscreenchange' in w.document)) {
    w.document.addEventListener('fullscreenchange', function () {
      w.document.dispatchEvent(new Event('webkitfullscreenchange'));
    }, false);
  }
  if (w.document && !('onwebkitpointerlockchange' in w.document)) {
    w.document.addEventListener('pointerlockchange', function () {
      w.document.dispatchEvent(new Event('webkitpointerlockchange'));
    }, false);
  }
})();
