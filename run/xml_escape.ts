/** Text or an attribute value inside XML / SVG that resdet writes (VOC annotations, drawn labels). */
export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
