// The recording player's drawing (recording/player.py): plain DOM, no library, no blank line.
(function(){
const root=document.getElementById('__ID__');
const d=JSON.parse(root.querySelector('script[type="application/json"]').textContent);
const w=d.words,fr=d.frames;let i=0,timer=null,speed=1;
const el=(tag,css,text)=>{const e=document.createElement(tag);if(css)e.style.cssText=css;if(text!==undefined)e.textContent=text;return e};
const bar=el('div','display:flex;gap:8px;align-items:center;margin:4px 0');
const play=el('button','min-width:5em',w.play);play.className='rl-play';
const scrub=el('input','flex:1');scrub.type='range';scrub.min=0;scrub.max=fr.length-1;scrub.value=0;scrub.className='rl-scrub';
const pace=el('select');[0.5,1,2,4].forEach(s=>{const o=el('option','',s+'\u00d7');o.value=s;if(s===1)o.selected=true;pace.appendChild(o)});
const clock=el('span','min-width:7em;text-align:right');clock.className='rl-clock';
bar.append(play,scrub,el('span','',w.speed),pace,clock);
const view=el('div');root.append(el('div','font-weight:bold',d.title),bar,view);
function show(k){i=k;scrub.value=k;const f=fr[k];view.textContent='';clock.textContent=w.instant+' '+f.t.toFixed(1)+' s';
const nodes=el('div','display:flex;gap:6px;margin:4px 0');const names=d.nodes.length?d.nodes:[''];
names.forEach(n=>{const box=el('div','border:1px solid #616161;border-radius:4px;background:#f5f5f5;padding:4px;min-width:12em;min-height:5em');
box.appendChild(el('div','font-weight:bold;text-align:center',n));
f.pods.filter(p=>(p[1]||names[0])===n).forEach(p=>{const ready=p[3]==='Ready';
const chip=el('div','display:inline-block;margin:2px;padding:2px 4px;border-radius:3px;border:2px '+(p[3]==='Terminating'?'dashed ':'solid ')+(d.states[p[3]]||'#000')+';background:'+(d.colors[p[2]]||'#9e9e9e')+';opacity:'+(ready?1:0.55)+';color:'+(ready?'#fff':'#000'));
chip.className='rl-pod';chip.dataset.state=p[3];chip.title=p[0];chip.textContent=(d.labels[p[2]]||'?')+' \u00b7 '+p[3];box.appendChild(chip)});
nodes.appendChild(box)});
view.append(el('div','font-weight:bold',w.nodes),nodes);
const t=el('table','border-collapse:collapse;margin:4px 0');const head=el('tr');
[w.revision,w.image,w.desired,w.ready].forEach(h=>head.appendChild(el('th','border:1px solid #ccc;padding:1px 4px',h)));t.appendChild(head);
f.sets.forEach(s=>{const r=el('tr');r.className='rl-set';[s[1],s[2],s[3],s[4]].forEach(v=>r.appendChild(el('td','border:1px solid #ccc;padding:1px 4px',String(v))));
r.firstChild.style.background=d.colors[s[0]]||'';t.appendChild(r)});
view.append(el('div','font-weight:bold',w.replicasets),t);
const asked=Object.entries(f.answered).map(([v,n])=>(v==='-'?w.failed:v)+': '+n).join(', ');
if(asked)view.append(el('div','font-weight:bold',w.requests),el('div','',asked))}
function stop(){if(timer){clearInterval(timer);timer=null}play.textContent=w.play}
function start(){if(i>=fr.length-1)show(0);play.textContent=w.pause;timer=setInterval(()=>{if(i>=fr.length-1){stop();return}show(i+1)},400/speed)}
play.onclick=()=>timer?stop():start();
scrub.oninput=()=>{stop();show(parseInt(scrub.value,10))};
pace.onchange=()=>{speed=parseFloat(pace.value);if(timer){stop();start()}};
show(0)})();
