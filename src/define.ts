/**
 * Registers every rtc-kit element under its `rtc-*` name.
 *
 * @module
 */
import './components/call/define.js';
import './components/chat/define.js';
import './components/controls/define.js';
import './components/inspector/define.js';
import './components/stats/define.js';
import './components/video/define.js';
