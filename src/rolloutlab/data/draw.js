// One frame of a rollout, drawn: the drawing the recording player (player.js) and the live view (live.js) share.
// Plain DOM, no library, no blank line. `f` is the frame; `d` what does not change between frames: the words, the
// state colours, and (from the player) the nodes, the ReplicaSets' colours and labels, which a live frame carries.
const rlEl=(tag,css,text)=>{const e=document.createElement(tag);if(css)e.style.cssText=css;if(text!==undefined)e.textContent=text;return e};
function rlDraw(view,f,d){const el=rlEl,w=d.words;view.textContent='';
const colors=f.colors||d.colors,labels=f.labels||d.labels;
(f.status||[]).forEach(s=>{const e=el('div','color:#b71c1c;font-weight:bold;margin:2px 0',s);e.className='rl-status';view.appendChild(e)});
(f.deployments||[]).forEach(dep=>{const box=el('div','border:1px solid #9e9e9e;border-radius:4px;padding:3px 6px;margin:4px 0');
box.className='rl-deployment';box.dataset.name=dep.name;
dep.lines.forEach(([text,tone])=>{box.appendChild(el('div',tone==='bad'?'color:#b71c1c;font-weight:bold':tone==='head'?'font-weight:bold':'',text))});
view.appendChild(box)});
const nodes=el('div','display:flex;flex-wrap:wrap;gap:6px;margin:4px 0');const names=(f.nodes||d.nodes||[]).length?(f.nodes||d.nodes):[''];
names.forEach(n=>{const box=el('div','border:1px solid #616161;border-radius:4px;background:#f5f5f5;padding:4px;min-width:12em;min-height:5em');
box.className='rl-node';box.appendChild(el('div','font-weight:bold;text-align:center',n));
f.pods.filter(p=>(p[1]||names[0])===n).forEach(p=>{const ready=p[3]==='Ready';
const chip=el('div','display:inline-block;margin:2px;padding:2px 4px;border-radius:3px;border:2px '+(p[3]==='Terminating'?'dashed ':'solid ')+(d.states[p[3]]||'#000')+';background:'+(colors[p[2]]||'#9e9e9e')+';opacity:'+(ready?1:0.55)+';color:'+(ready?'#fff':'#000'));
chip.className='rl-pod';chip.dataset.state=p[3];chip.dataset.replicaset=p[2];chip.title=p[0];chip.textContent=(labels[p[2]]||'?')+' \u00b7 '+p[3];box.appendChild(chip)});
nodes.appendChild(box)});
view.append(el('div','font-weight:bold',w.nodes),nodes);
const long=f.sets.length&&f.sets[0].length>5;
const t=el('table','border-collapse:collapse;margin:4px 0');const head=el('tr');
(long?[w.revision,w.replicaset,w.image,w.container,w.cause,w.desired,w.ready]:[w.revision,w.image,w.desired,w.ready]).forEach(h=>head.appendChild(el('th','border:1px solid #ccc;padding:1px 4px',h)));t.appendChild(head);
f.sets.forEach(s=>{const r=el('tr');r.className='rl-set';r.dataset.name=s[0];
(long?[s[1],s[0],s[2],s[5],s[6],s[3],s[4]]:[s[1],s[2],s[3],s[4]]).forEach(v=>r.appendChild(el('td','border:1px solid #ccc;padding:1px 4px',v===null?'?':String(v))));
r.firstChild.style.background=colors[s[0]]||'';t.appendChild(r)});
view.append(el('div','font-weight:bold',w.replicasets),t);
const asked=Object.entries(f.answered||{}).map(([v,n])=>(v==='-'?w.failed:v)+': '+n).join(', ');
if(asked)view.append(el('div','font-weight:bold',w.requests),el('div','',asked));
if(f.events){view.appendChild(el('div','font-weight:bold',w.events));
f.events.forEach(([at,type,text])=>{const e=el('div',type==='Warning'?'color:#b71c1c':'',at+'  '+text);e.className='rl-event';view.appendChild(e)})}}
