// The recording player's controls (recording/player.py), over the shared drawing (draw.js): plain DOM, no
// library, no blank line. player.py wraps both in one function, so that each player on a page has its own.
const root=document.getElementById('__ID__');
const d=JSON.parse(root.querySelector('script[type="application/json"]').textContent);
const w=d.words,fr=d.frames,el=rlEl;let i=0,timer=null,speed=1;
const bar=el('div','display:flex;gap:8px;align-items:center;margin:4px 0');
const play=el('button','min-width:5em',w.play);play.className='rl-play';
const scrub=el('input','flex:1');scrub.type='range';scrub.min=0;scrub.max=fr.length-1;scrub.value=0;scrub.className='rl-scrub';
const pace=el('select');[0.5,1,2,4].forEach(s=>{const o=el('option','',s+'\u00d7');o.value=s;if(s===1)o.selected=true;pace.appendChild(o)});
const clock=el('span','min-width:7em;text-align:right');clock.className='rl-clock';
bar.append(play,scrub,el('span','',w.speed),pace,clock);
const view=el('div');root.append(el('div','font-weight:bold',d.title),bar,view);
function show(k){i=k;scrub.value=k;const f=fr[k];clock.textContent=w.instant+' '+f.t.toFixed(1)+' s';rlDraw(view,f,d)}
function stop(){if(timer){clearInterval(timer);timer=null}play.textContent=w.play}
function start(){if(i>=fr.length-1)show(0);play.textContent=w.pause;timer=setInterval(()=>{if(i>=fr.length-1){stop();return}show(i+1)},400/speed)}
play.onclick=()=>timer?stop():start();
scrub.oninput=()=>{stop();show(parseInt(scrub.value,10))};
pace.onchange=()=>{speed=parseFloat(pace.value);if(timer){stop();start()}};
show(0)
