import puppeteer from 'puppeteer-core';
import http from 'node:http';
const srv = http.createServer((q,r)=>r.end('<p>x</p>')).listen(0);
await new Promise(r=>srv.once('listening',r));
import { firefoxLaunchOptions } from './scripts/firefox.mjs';
const o = firefoxLaunchOptions(); o.extraPrefsFirefox = { ...o.extraPrefsFirefox, ...JSON.parse(process.env.PREFS ?? '{}') }; const b = await puppeteer.launch(o);
const p = await b.newPage();
await p.goto(`http://localhost:${srv.address().port}/`);
console.log(await p.evaluate(async () => {
  const s = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  const ctx = new AudioContext();
  const src = ctx.createMediaStreamSource(s);
  const an = ctx.createAnalyser(); an.fftSize = 512; src.connect(an);
  const policy = navigator.getAutoplayPolicy?.('audiocontext'); const r = await Promise.race([ctx.resume().then(()=>'resumed',e=>String(e)), new Promise(r=>setTimeout(()=>r('resume timeout'),3000))]); const out = [policy, r];
  for (let i = 0; i < 10; i++) {
    await new Promise(r => setTimeout(r, 200));
    const a = new Float32Array(512); an.getFloatTimeDomainData(a);
    let sum = 0; for (const x of a) sum += x*x; out.push(Math.sqrt(sum/512).toFixed(4));
  }
  return { state: ctx.state, rms: out, label: s.getAudioTracks()[0].label, settings: JSON.stringify(s.getAudioTracks()[0].getSettings()) };
}));
await b.close(); srv.close();
